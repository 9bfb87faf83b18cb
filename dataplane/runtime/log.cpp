#include "dataplane/runtime/log.h"

namespace podwall {

LogTypes log_types;

namespace {

int register_one(const char* name) {
  int type = rte_log_register_type_and_pick_level(name, RTE_LOG_INFO);
  return type < 0 ? RTE_LOGTYPE_USER1 : type;
}

}  // namespace

void register_log_types() {
  log_types.control = register_one("podwall.control");
  log_types.port = register_one("podwall.port");
  log_types.worker = register_one("podwall.worker");
  log_types.telemetry = register_one("podwall.telemetry");
}

}  // namespace podwall
