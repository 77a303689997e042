-- Cove keeps no session history: each snapshot shows a device's last session (with times) and
-- a 28-day colour bar (one status per UTC day, the day's last session, no times). Sessions are
-- the union of both, deduplicated. A bar is anchored on its own last session: the bar's last
-- non-empty day is the UTC day that session ended, so no server clock is needed.
-- Known limit: when two sessions end on one UTC day and no snapshot caught the first, the bar
-- shows only the second; sync daily after the backup window to keep every session.
with

accounts as (
    select * from {{ source('cove', 'account_statistics') }}
),

last_sessions as (
    select
        account_id,
        {{ unix_utc('last_session_started_unix') }} as started_at,
        {{ unix_utc('last_session_started_unix') }}
            + to_seconds(coalesce(cast(nullif(last_session_duration_seconds, '') as bigint), 0))
            as ended_at,
        {{ cove_session_status('last_session_status') }} as status,
        colour_bar,
        _dlt_load_id
    from accounts
    where nullif(last_session_started_unix, '') is not null
),

snapshot_sessions as (
    select
        account_id,
        started_at,
        ended_at,
        {{ utc_date('ended_at') }} as run_date,
        status
    from last_sessions
    where status is not null
    qualify row_number() over (
        partition by account_id, started_at order by _dlt_load_id desc
    ) = 1
),

anchored_bars as (
    select
        account_id,
        colour_bar,
        {{ utc_date('ended_at') }} as last_day,
        length(rtrim(colour_bar, '0')) as last_position,
        _dlt_load_id
    from last_sessions
    where length(colour_bar) = 28 and length(rtrim(colour_bar, '0')) > 0
),

bar_days as (
    select
        account_id,
        last_day,
        last_position,
        unnest(range(1, last_position)) as position,
        colour_bar,
        _dlt_load_id
    from anchored_bars
),

bar_sessions as (
    -- Days before the last session's day are final; that day itself is the session above.
    select
        account_id,
        cast(last_day - to_days(cast(last_position - position as integer)) as date) as run_date,
        {{ cove_session_status('substr(colour_bar, position, 1)') }} as status
    from bar_days
    where substr(colour_bar, position, 1) <> '0'
    qualify row_number() over (
        partition by account_id, run_date order by _dlt_load_id desc
    ) = 1
),

last_of_day as (
    select account_id, run_date, status
    from snapshot_sessions
    qualify row_number() over (
        partition by account_id, run_date order by ended_at desc, started_at desc
    ) = 1
),

bar_only as (
    select bar_sessions.*
    from bar_sessions
    left join last_of_day
        on bar_sessions.account_id = last_of_day.account_id
        and bar_sessions.run_date = last_of_day.run_date
        and bar_sessions.status = last_of_day.status
    where last_of_day.account_id is null and bar_sessions.status is not null
),

final as (
    select
        md5(concat_ws('|', account_id, 'session', epoch(started_at))) as session_id,
        account_id,
        run_date,
        started_at,
        ended_at,
        status,
        'last_session' as observed_from
    from snapshot_sessions
    union all
    select
        md5(concat_ws('|', account_id, 'colour_bar', run_date)) as session_id,
        account_id,
        run_date,
        cast(null as timestamptz) as started_at,
        cast(null as timestamptz) as ended_at,
        status,
        'colour_bar' as observed_from
    from bar_only
)

select * from final
