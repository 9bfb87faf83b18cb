#pragma once
// The manifest loader's public interface, for the daemon, the CLI and the tests.

#include "control/loader/diagnostic.h"      // IWYU pragma: export
#include "control/loader/directory.h"       // IWYU pragma: export
#include "control/loader/load_directory.h"  // IWYU pragma: export
#include "control/loader/manifest_file.h"   // IWYU pragma: export
#include "control/loader/object_store.h"    // IWYU pragma: export
