// Filters over a collection's metadata: a small expression language (for the CLI and C++
// users) compiled to Arrow compute expressions.
#pragma once

#include <string>

#include <arrow/compute/expression.h>
#include <arrow/result.h>

namespace omearrow {

// Parses a filter such as `Metadata_Well == 'B02' and (size_z > 1 or dtype != "uint8")`:
//   expr   := and_expr ("or" and_expr)*        and_expr := term ("and" term)*
//   term   := "not" term | "(" expr ")" | NAME OP VALUE
//           | NAME "in" "(" VALUE ("," VALUE)* ")"   (equal to any of the values)
//   OP     := == != < <= > >=      NAME := a column name ([A-Za-z_][A-Za-z0-9_.]*, or
//   `backquoted`)                  VALUE := 'text' | "text" | integer | decimal | true | false
// Errors (Invalid) quote the text and the position.
arrow::Result<arrow::compute::Expression> ParseFilter(const std::string& text);

}  // namespace omearrow
