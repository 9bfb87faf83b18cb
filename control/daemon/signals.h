#pragma once
// SIGINT/SIGTERM (stop) and SIGHUP (reload the manifest directory) turn into flags the main
// loop polls: the handler only stores, so it is async-signal-safe whichever thread (main,
// EAL's interrupt or telemetry thread) receives it.

namespace podwall {

// Main thread, before EAL starts its threads.
void install_stop_signals();

// Any thread: the signal number that asked us to stop, or 0.
int stop_signal();

// Main thread: true once per SIGHUP received since the last call.
bool take_reload_request();

}  // namespace podwall
