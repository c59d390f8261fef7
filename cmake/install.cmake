# `cmake --install`, in two components:
#   dev     the node library as a CMake package: the static libraries, the
#           public headers under include/timecoin/, the package's config;
#   daemon  timed and time-cli.
# An integrator then writes
#   find_package(timecoin_node 0.1 REQUIRED)
#   target_link_libraries(app PRIVATE timecoin::node)
include(CMakePackageConfigHelpers)

set(timecoin_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/timecoin_node")

# timecoin::node (actors/) and the libraries it links, in the order they
# build on each other.
install(TARGETS
    timecoin_protocol timecoin_security timecoin_config timecoin_chain
    timecoin_actors
  EXPORT timecoin_nodeTargets
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT dev)
install(FILES ${TIMECOIN_PUBLIC_HEADERS}
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/timecoin" COMPONENT dev)
install(EXPORT timecoin_nodeTargets
  NAMESPACE timecoin::
  DESTINATION "${timecoin_cmake_dir}" COMPONENT dev)

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/timecoin_nodeConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/timecoin_nodeConfig.cmake"
  INSTALL_DESTINATION "${timecoin_cmake_dir}")
# 0.y.z: a minor release may change the interface (node_actor's messages,
# node_config's fields), a patch release does not. find_package(timecoin_node
# 0.1) accepts 0.1.z only.
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/timecoin_nodeConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
    "${PROJECT_BINARY_DIR}/timecoin_nodeConfig.cmake"
    "${PROJECT_BINARY_DIR}/timecoin_nodeConfigVersion.cmake"
    "${PROJECT_SOURCE_DIR}/cmake/caf_lmdb_targets.cmake"
  DESTINATION "${timecoin_cmake_dir}" COMPONENT dev)

foreach(program timed time-cli)
  if(TARGET ${program})
    install(TARGETS ${program}
      RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT daemon)
  endif()
endforeach()
