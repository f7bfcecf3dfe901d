-- The idle rule has one definition, in code (Resources/IdleRule.cs): the findings and the resource
-- list's idle filter both use it, so the SQL copy goes.
drop function if exists {schema}.is_idle(jsonb, double precision, int, date);
