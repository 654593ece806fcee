#pragma once
// Whether ops record themselves on the tape. Thread-local: a NoGradGuard on one thread does
// not change what another thread records.

namespace wengert {

/// True unless a NoGradGuard (or GradModeGuard(false)) is active on this thread.
bool is_grad_enabled();
void set_grad_enabled(bool enabled);

/// Sets grad mode for its lifetime and restores the previous mode when it ends.
class GradModeGuard {
public:
    explicit GradModeGuard(bool enabled);
    ~GradModeGuard();
    GradModeGuard(const GradModeGuard&) = delete;
    GradModeGuard& operator=(const GradModeGuard&) = delete;

private:
    bool previous_;
};

/// Nothing computed while it lives is recorded: use it for evaluation and optimizer updates.
class NoGradGuard : public GradModeGuard {
public:
    NoGradGuard() : GradModeGuard(false) {}
};

}  // namespace wengert
