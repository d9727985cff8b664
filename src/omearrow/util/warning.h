// Warnings the core reports for the binding to raise in the caller's language.
#pragma once

#include <string>
#include <vector>

namespace omearrow {

// A non-fatal condition the reference reports with warnings.warn(); `category` names the
// Python warning class it uses.
struct Warning {
  enum class Category { kUserWarning, kRuntimeWarning, kDeprecationWarning };
  Category category = Category::kUserWarning;
  std::string message;
};

using Warnings = std::vector<Warning>;

}  // namespace omearrow
