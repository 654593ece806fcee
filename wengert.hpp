#pragma once
// wengert: reverse-mode automatic differentiation over dense tensors.
//
//   #include <wengert/wengert.hpp>
//   using namespace wengert;
//   Tensor w = randn({3, 2}, kFloat64).requires_grad_();
//   Tensor x = randn({4, 3}, kFloat64);
//   Tensor loss = mean(pow(tanh(matmul(x, w)), 2.0));
//   loss.backward();          // w.grad() now holds d loss / d w
//
// The tape records each op as it runs; backward() replays it in reverse.
#include "autograd/autograd.hpp"
#include "ops/ops.hpp"
//
#include "losses/losses.hpp"
//
#include "optim/optim.hpp"
//
#include "nn/nn.hpp"
//
#include "data/data.hpp"
//
#include "train/train.hpp"
//
#include "adversarial/adversarial.hpp"
