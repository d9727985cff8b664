// omearrow._core: the nanobind extension module. Each binding file converts arguments,
// calls the C++ core and converts results; errors go through status.h's table.
#include <nanobind/nanobind.h>

#include "omearrow/util/version.h"
#include "types.h"

NB_MODULE(_core, m) {
  m.doc() = "C++ core of omearrow (tensor views of OME-Arrow images).";
  m.attr("__version__") = omearrow::kVersion;  // the library's version (VERSION file)
  omearrow::python::RegisterImage(m);
  omearrow::python::RegisterView(m);
  omearrow::python::RegisterDLPack(m);
  omearrow::python::RegisterLazy(m);
  omearrow::python::RegisterIterators(m);
  omearrow::python::RegisterFiles(m);
  omearrow::python::RegisterMeta(m);
  omearrow::python::RegisterCollections(m);
  omearrow::python::RegisterCrops(m);
  omearrow::python::RegisterPreview(m);
  omearrow::python::RegisterMontage(m);
}
