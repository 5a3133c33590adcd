# `cmake --install` and `cpack -G DEB`: the faultbench CLI, the static libraries with their public
# headers, a CMake package (find_package(faultbench) -> faultbench::faultbench) and a
# pkg-config file (pkg-config --cflags --libs faultbench).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS faultbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The library is one static archive per layer; faultbench_lib (an interface target) stands for
# all of them.
install(TARGETS faultbench_lib ${FAULTBENCH_LAYERS} EXPORT faultbenchTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/faultbench DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT faultbenchTargets NAMESPACE faultbench:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/faultbench)

configure_package_config_file(cmake/faultbenchConfig.cmake.in ${CMAKE_BINARY_DIR}/faultbenchConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/faultbench)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/faultbenchConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/faultbenchConfig.cmake ${CMAKE_BINARY_DIR}/faultbenchConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/faultbench)

file(RELATIVE_PATH FAULTBENCH_PC_UP "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
configure_file(cmake/faultbench.pc.in ${CMAKE_BINARY_DIR}/faultbench.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/faultbench.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(FILES README.md docs/RESULTS.md docs/ROBUSTNESS.md docs/DETERMINISM.md docs/CLUSTER.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR} OPTIONAL)

# Debian package: the runtime libraries come from dpkg-shlibdeps; the -dev packages of the
# static libraries' dependencies are what a program linking libfaultbench_*.a needs.
set(CPACK_PACKAGE_NAME faultbench)
set(CPACK_PACKAGE_VENDOR "faultbench developers")
set(CPACK_PACKAGE_CONTACT "faultbench developers <faultbench@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Deterministic fault-injection campaigns for DNN reliability studies")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nlohmann-json3-dev, libfmt-dev, libzip-dev, libcurl4-openssl-dev, libarchive-dev, libssl-dev, libonnx-dev, libprotobuf-dev")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
