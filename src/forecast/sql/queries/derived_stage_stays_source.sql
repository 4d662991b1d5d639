-- grain: one row: a fingerprint of the stage history derived_stage_stays is built from.
select concat_ws(' | ', count(*), max(entered_at), sum(epoch_ms(entered_at)),
                 count(distinct stage_name)) as fingerprint
from stage_events
