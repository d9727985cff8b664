// The plane_loader(t, z, c) callback of TensorView as a core PlaneLoader.
#pragma once

#include <nanobind/nanobind.h>

#include "omearrow/image.h"
#include "omearrow/source/callback_source.h"
#include "omearrow/tensor/dtype.h"

namespace omearrow::python {

// Wraps a Python callable: takes the GIL, calls loader(t, z, c), converts the result as
// numpy.asarray(result, dtype=dtype) flattened in C order, and keeps that array alive in
// LoadedPlane::owner. A Python exception from the loader is carried to the caller.
PlaneLoader MakePlaneLoader(nanobind::object loader, DType dtype);

}  // namespace omearrow::python
