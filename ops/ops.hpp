#pragma once
// All differentiable tensor operations.
#include "arithmetic.hpp"
#include "linalg.hpp"
#include "reduce.hpp"
#include "shape.hpp"
#include "unary.hpp"
