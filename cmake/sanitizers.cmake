# intake_options: sanitizer and fuzzing flags, linked PRIVATE by every target.
add_library(intake_options INTERFACE)
if(INTAKE_SANITIZE)
  target_compile_options(intake_options INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(intake_options INTERFACE -fsanitize=address,undefined)
endif()
