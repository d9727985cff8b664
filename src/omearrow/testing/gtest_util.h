// GoogleTest helpers for arrow::Status / arrow::Result.
#pragma once

#include <gtest/gtest.h>

#include <arrow/result.h>
#include <arrow/status.h>

namespace omearrow::testing {
inline ::arrow::Status ToStatus(const ::arrow::Status& status) { return status; }
template <typename T>
::arrow::Status ToStatus(const ::arrow::Result<T>& result) {
  return result.status();
}
}  // namespace omearrow::testing

#define OMEARROW_CONCAT_INNER(a, b) a##b
#define OMEARROW_CONCAT(a, b) OMEARROW_CONCAT_INNER(a, b)

#define ASSERT_OK(expr)                                             \
  do {                                                              \
    const ::arrow::Status _st = ::omearrow::testing::ToStatus(expr); \
    ASSERT_TRUE(_st.ok()) << "'" #expr "' failed: " << _st.ToString(); \
  } while (false)

#define EXPECT_OK(expr)                                             \
  do {                                                              \
    const ::arrow::Status _st = ::omearrow::testing::ToStatus(expr); \
    EXPECT_TRUE(_st.ok()) << "'" #expr "' failed: " << _st.ToString(); \
  } while (false)

#define ASSERT_OK_AND_ASSIGN_IMPL(result_name, lhs, rexpr)               \
  auto result_name = (rexpr);                                            \
  ASSERT_TRUE(result_name.ok()) << "'" #rexpr "' failed: "               \
                                << result_name.status().ToString();      \
  lhs = std::move(result_name).ValueUnsafe();

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(OMEARROW_CONCAT(_result_, __COUNTER__), lhs, rexpr)

// Asserts that `expr` (a Status or Result) failed with `code` and exactly `message`.
#define EXPECT_STATUS(expr, expected_code, expected_message)                             \
  do {                                                                          \
    const ::arrow::Status _st = ::omearrow::testing::ToStatus(expr);            \
    EXPECT_EQ(_st.code(), ::arrow::StatusCode::expected_code) << _st.ToString(); \
    EXPECT_EQ(_st.message(), expected_message);                                          \
  } while (false)

// Asserts failure whose message contains `fragment`.
#define EXPECT_STATUS_HAS(expr, fragment)                                       \
  do {                                                                          \
    const ::arrow::Status _st = ::omearrow::testing::ToStatus(expr);       \
    EXPECT_FALSE(_st.ok());                                                     \
    EXPECT_NE(_st.message().find(fragment), std::string::npos) << _st.ToString(); \
  } while (false)
