// The sales domain's read models, as every program that projects the log must build
// them: the same fold, index fields and facts everywhere, or views built by ledgerd and
// by `ledgerctl replay` would differ.
#pragma once

#include "projections/models.h"
#include "schemas/facts.h"
#include "schemas/record_state.h"

namespace ops {

inline projections::Models SalesModels() {
  return projections::Models{schemas::ApplyToRecordState,
                             projections::IndexExtractorFrom(schemas::IndexFieldsOf),
                             schemas::AnalyticsFactOf};
}

}  // namespace ops
