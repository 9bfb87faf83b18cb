#pragma once
// SIGINT/SIGTERM turn into a flag the main loop polls: the handler only stores, so it is
// async-signal-safe whichever thread (main, EAL's interrupt or telemetry thread) receives it.

namespace podwall {

// Main thread, before EAL starts its threads.
void install_stop_signals();

// Any thread: the signal number that asked us to stop, or 0.
int stop_signal();

}  // namespace podwall
