# Provides the imported target SystemC::systemc (SystemC + TLM).
# Order: an installed CMake package (Accellera's SystemCLanguage), then SYSTEMC_HOME, then pkg-config.
if(TARGET SystemC::systemc)
  return()
endif()

find_package(SystemCLanguage CONFIG QUIET)
if(SystemCLanguage_FOUND)
  message(STATUS "SystemC: CMake package SystemCLanguage ${SystemCLanguage_VERSION}")
  return()
endif()

if(DEFINED ENV{SYSTEMC_HOME} AND NOT "$ENV{SYSTEMC_HOME}" STREQUAL "")
  set(_sc_home "$ENV{SYSTEMC_HOME}")
  find_path(SYSTEMC_INCLUDE_DIR systemc.h PATHS "${_sc_home}/include" NO_DEFAULT_PATH)
  find_library(SYSTEMC_LIBRARY systemc
    PATHS "${_sc_home}/lib" "${_sc_home}/lib64" "${_sc_home}/lib-linux64" NO_DEFAULT_PATH)
  if(NOT SYSTEMC_INCLUDE_DIR OR NOT SYSTEMC_LIBRARY)
    message(FATAL_ERROR "SYSTEMC_HOME=${_sc_home} holds no include/systemc.h or lib*/libsystemc")
  endif()
  add_library(SystemC::systemc UNKNOWN IMPORTED)
  set_target_properties(SystemC::systemc PROPERTIES
    IMPORTED_LOCATION "${SYSTEMC_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${SYSTEMC_INCLUDE_DIR}")
  message(STATUS "SystemC: SYSTEMC_HOME ${_sc_home}")
  return()
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(SYSTEMC REQUIRED IMPORTED_TARGET systemc tlm)
add_library(SystemC::systemc INTERFACE IMPORTED)
target_link_libraries(SystemC::systemc INTERFACE PkgConfig::SYSTEMC)
message(STATUS "SystemC: pkg-config systemc ${SYSTEMC_systemc_VERSION}, tlm ${SYSTEMC_tlm_VERSION}")
