-- grain: one row: a fingerprint of the weekly history derived_deal_history is built from
-- (append-only, so its size and latest date change with every addition).
select concat_ws(' | ', count(*), max(snapshot_date)) as fingerprint
from opportunity_snapshots
