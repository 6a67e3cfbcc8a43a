// The translation unit that carries a precompiled header's compilation (cmake/PrecompiledHeaders.cmake); it has no
// code of its own.
