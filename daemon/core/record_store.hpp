// Every store port at once: the PostgreSQL adapter (PqxxRecordStore)
// implements them all over one connection; app/ hands each stage the port
// it needs (the stages never name this).
#pragma once

#include "daemon/core/admin_store.hpp"
#include "daemon/core/intake_store.hpp"
#include "daemon/core/outbox_store.hpp"
#include "daemon/core/request_store.hpp"
#include "daemon/core/summary_store.hpp"

namespace intake::daemon {

class RecordStore : public IntakeStore,
                    public OutboxStore,
                    public SummaryStore,
                    public RequestStore,
                    public AdminStore {};

}  // namespace intake::daemon
