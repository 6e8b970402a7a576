# The `fused` backend's SIMD kernel, compiled once per ISA into its own namespace
# (kfm::fused::<isa>) and linked into kfm_core; src/lib/isa_dispatch.cpp picks one
# at run time. -ffp-contract=fast lets a*b+c become an FMA where the ISA has one
# (ISO C++ mode turns contraction off by default).
set(KFM_FUSED_KERNEL_SOURCE ${CMAKE_SOURCE_DIR}/src/lib/isa/fused_kernel.cpp)
set(KFM_FUSED_ISAS avx512 avx2 baseline)
set(KFM_FUSED_FLAGS_avx512 -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma -mavx2)
set(KFM_FUSED_FLAGS_avx2 -mavx2 -mfma)
set(KFM_FUSED_FLAGS_baseline "")
foreach(isa IN LISTS KFM_FUSED_ISAS)
  add_library(kfm_fused_${isa} OBJECT ${KFM_FUSED_KERNEL_SOURCE})
  target_compile_definitions(kfm_fused_${isa} PRIVATE KFM_ISA_NAMESPACE=${isa})
  target_compile_options(kfm_fused_${isa} PRIVATE ${KFM_FUSED_FLAGS_${isa}} -ffp-contract=fast)
  target_include_directories(kfm_fused_${isa} PRIVATE ${CMAKE_SOURCE_DIR}/src/lib)
  target_link_libraries(kfm_fused_${isa} PRIVATE kfm_warnings)
  target_sources(kfm_core PRIVATE $<TARGET_OBJECTS:kfm_fused_${isa}>)
endforeach()
