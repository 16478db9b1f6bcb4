# A compiler cache when one is installed (scripts/deps installs ccache): a
# rebuild of unchanged sources, in this tree or in another clone (scripts/test
# sets CCACHE_BASEDIR to the checkout, so paths inside it match), costs a
# lookup instead of a compile. The result is the same object either way;
# INTAKE_CCACHE=OFF compiles everything.
option(INTAKE_CCACHE "Use ccache when it is installed" ON)
if(INTAKE_CCACHE)
  find_program(INTAKE_CCACHE_PROGRAM ccache)
  if(INTAKE_CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${INTAKE_CCACHE_PROGRAM})
  endif()
endif()
