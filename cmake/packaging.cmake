# The Debian package for operators: `cpack -G DEB` in the build directory
# makes timecoin-node_<version>_<arch>.deb from the install rules of the
# "daemon" component: timed and time-cli in /usr/bin, the systemd unit, the
# configuration /etc/timecoin/time.conf (a conffile), the bash completion
# of time-cli and the documentation. Nothing of the library (headers, static
# libraries) goes in. scripts/check-deb.sh builds and checks it;
# docs/OPERATIONS.md, "The Debian package", describes it.

if(NOT TARGET timed OR NOT TARGET time-cli)
  return()
endif()

include(GNUInstallDirs)

set(timecoin_deb_name timecoin-node)
set(timecoin_doc_dir "${CMAKE_INSTALL_DATADIR}/doc/${timecoin_deb_name}")

# The binaries are the "daemon" component of cmake/install.cmake. The
# files below with absolute destinations are the "service" component, which
# only the package installs: `cmake --install --prefix DIR` of the daemon
# never writes to /etc or /lib.

# Where Debian 12 keeps the units and the configuration of its packages,
# whatever the installation prefix.
install(FILES "${PROJECT_SOURCE_DIR}/deploy/timed.service"
  DESTINATION /lib/systemd/system COMPONENT service)

# /etc/timecoin/time.conf: deploy/time.conf.example with the service's data
# directory set, and its opening lines saying whose file it is.
set(example_conf "${PROJECT_SOURCE_DIR}/deploy/time.conf.example")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  "${example_conf}")
file(READ "${example_conf}" conf_text)
set(example_head [=[
# time.conf: configuration of timed (and of time-cli, which reads it too).
#
# Where timed looks for it: --conf=FILE, else <datadir>/time.conf if that
# exists (datadir: --datadir, else ./data/<network>).
]=])
set(service_head [=[
# /etc/timecoin/time.conf: configuration of the timed service, which
# timed.service starts as
#   timed --conf=/etc/timecoin/time.conf --datadir=/var/lib/timecoin
# and of time-cli, which reads this file when given neither --conf nor
# --datadir (docs/OPERATIONS.md, "The Debian package"). Upgrades keep your
# changes: dpkg asks before it replaces an edited file.
# After a change: systemctl restart timed
]=])
set(example_note [=[
# Every line below is commented out and shows the default.
]=])
set(service_note [=[
# Every line below but datadir= is commented out and shows the default.
]=])
set(example_datadir [=[
# Data directory: node_key, .cookie, debug.log. Default: ./data/<network>,
# relative to the directory timed starts in.
#datadir=./data/devnet
]=])
set(service_datadir [=[
# Data directory: node_key, .cookie, the chain. The service's is
# /var/lib/timecoin, which timed.service creates and lets timed write (its
# --datadir wins over this line); time-cli finds the cookie through this
# line. Change neither.
datadir=/var/lib/timecoin
]=])
foreach(part head note datadir)
  string(FIND "${conf_text}" "${example_${part}}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "cmake/packaging.cmake: deploy/time.conf.example no "
      "longer has the ${part} lines the packaged time.conf replaces")
  endif()
  string(REPLACE "${example_${part}}" "${service_${part}}" conf_text
    "${conf_text}")
endforeach()
set(service_conf "${PROJECT_BINARY_DIR}/deploy/time.conf")
file(WRITE "${service_conf}" "${conf_text}")
install(FILES "${service_conf}" DESTINATION /etc/timecoin COMPONENT service)

install(FILES "${PROJECT_SOURCE_DIR}/deploy/time-cli.bash-completion"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions"
  RENAME time-cli COMPONENT daemon)
install(FILES
    "${PROJECT_SOURCE_DIR}/README.md"
    "${PROJECT_SOURCE_DIR}/docs/OPERATIONS.md"
    "${PROJECT_SOURCE_DIR}/deploy/debian/copyright"
  DESTINATION "${timecoin_doc_dir}" COMPONENT daemon)

set(TIMECOIN_DEB_MAINTAINER
  "TIME Coin node maintainers <maintainers@timecoin.invalid>"
  CACHE STRING "Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${timecoin_deb_name})
set(CPACK_PACKAGE_VENDOR "TIME Coin")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${TIMECOIN_DEB_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "TIME Coin node daemon and RPC client")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL daemon service)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_DEBIAN_PACKAGE_NAME ${timecoin_deb_name})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TIMECOIN_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
# The libraries' packages come from dpkg-shlibdeps; adduser makes the
# service's user in postinst.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
# The summary above is the synopsis; this, the extended description.
set(CPACK_PACKAGE_DESCRIPTION [=[timed is a node of the TIME Coin peer-to-peer network: it speaks the
timecoin/1 protocol over TLS 1.3, keeps the chain in LMDB and serves
JSON-RPC and Prometheus metrics on loopback. time-cli steers it, as
bitcoin-cli does bitcoind.
This package runs timed as a systemd service (timed.service) of its own
timecoin user, with its data in /var/lib/timecoin and its configuration
in /etc/timecoin/time.conf.]=])
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${PROJECT_SOURCE_DIR}/deploy/debian/conffiles"
  "${PROJECT_SOURCE_DIR}/deploy/debian/postinst"
  "${PROJECT_SOURCE_DIR}/deploy/debian/prerm"
  "${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
