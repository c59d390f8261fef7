# CAF and LMDB as imported targets CAF::core, CAF::io and LMDB::lmdb, for this
# build and for find_package(timecoin_node) (installed next to the package's
# config). Debian's libcaf-dev 0.17.6 and liblmdb-dev ship neither a CMake
# package nor (CAF) a pkg-config file, so the targets are made by hand. Targets
# that already exist (a CAF built with its own CMake package) are kept. Needs
# Threads::Threads. Sets timecoin_caf_lmdb_missing to what was not found, empty
# if nothing.
set(timecoin_caf_lmdb_missing "")

if(NOT TARGET CAF::core OR NOT TARGET CAF::io)
  find_path(CAF_INCLUDE_DIR caf/all.hpp)
  find_library(CAF_CORE_LIBRARY caf_core)
  find_library(CAF_IO_LIBRARY caf_io)
  if(CAF_INCLUDE_DIR AND CAF_CORE_LIBRARY AND CAF_IO_LIBRARY)
    if(NOT TARGET CAF::core)
      add_library(CAF::core UNKNOWN IMPORTED)
      set_target_properties(CAF::core PROPERTIES
        IMPORTED_LOCATION "${CAF_CORE_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}"
        INTERFACE_LINK_LIBRARIES Threads::Threads)
    endif()
    if(NOT TARGET CAF::io)
      add_library(CAF::io UNKNOWN IMPORTED)
      set_target_properties(CAF::io PROPERTIES
        IMPORTED_LOCATION "${CAF_IO_LIBRARY}"
        INTERFACE_LINK_LIBRARIES CAF::core)
    endif()
  else()
    list(APPEND timecoin_caf_lmdb_missing "CAF 0.17 (libcaf_core, libcaf_io)")
  endif()
endif()

if(NOT TARGET LMDB::lmdb)
  find_path(LMDB_INCLUDE_DIR lmdb.h)
  find_library(LMDB_LIBRARY lmdb)
  if(LMDB_INCLUDE_DIR AND LMDB_LIBRARY)
    add_library(LMDB::lmdb UNKNOWN IMPORTED)
    set_target_properties(LMDB::lmdb PROPERTIES
      IMPORTED_LOCATION "${LMDB_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${LMDB_INCLUDE_DIR}")
  else()
    list(APPEND timecoin_caf_lmdb_missing "LMDB (liblmdb)")
  endif()
endif()
