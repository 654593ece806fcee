#pragma once
// Adversarial samples (FGSM, PGD) and adversarial training.
#include "attacks.hpp"
