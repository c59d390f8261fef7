# Third-party dependencies, all from Debian 12's packages. An integrator's
# find_package(timecoin_node) finds those of the libraries with the same
# calls (cmake/timecoin_nodeConfig.cmake.in); doctest (tests/) and fmt
# (sim/) are found where they are used.
find_package(Threads REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(msgpack REQUIRED CONFIG NAMES msgpack msgpackc-cxx)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)

include("${CMAKE_CURRENT_LIST_DIR}/caf_lmdb_targets.cmake")
if(timecoin_caf_lmdb_missing)
  list(JOIN timecoin_caf_lmdb_missing ", " missing)
  message(FATAL_ERROR "${missing} not found "
    "(scripts/install-deps.sh installs libcaf-dev and liblmdb-dev)")
endif()
