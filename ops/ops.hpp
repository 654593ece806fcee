#pragma once
// All differentiable tensor operations, one header per family.
#include "arithmetic.hpp"
#include "linalg.hpp"
#include "reduce.hpp"
#include "shape.hpp"
#include "unary.hpp"
//
#include "pointwise.hpp"
//
#include "indexing.hpp"
//
#include "softmax.hpp"
//
#include "conv.hpp"
//
#include "pool.hpp"
//
#include "norm.hpp"
//
#include "nn.hpp"
//
#include "parallel.hpp"
