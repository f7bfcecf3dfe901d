using DigiUsher.Query.Data;

namespace DigiUsher.Query.Costs;

/// <summary>
/// Which cost rows are a data source's. A root (<c>aws-root</c>) owns the rows of its imports. An
/// <c>aws-linked</c> data source imports nothing: its payer's CUR bills it, so its costs are its root's
/// rows of its account id, and the payer's imports stay the single source of them (nothing is imported
/// twice). Conditions are scalar subqueries Postgres runs once per statement (an InitPlan), so the cost
/// tables are still read by their data source index; the caller's organization filter on the cost rows
/// keeps another tenant's data source id from reading anything.
/// </summary>
public static class CostScope
{
    /// <summary>
    /// The condition "this cost row is data source <paramref name="dataSourceId"/>'s" on the cost table aliased
    /// <paramref name="alias"/> (empty for none); <paramref name="dataSourceId"/> is the parameter's placeholder.
    /// </summary>
    public static string Condition(string alias, string dataSourceId)
    {
        var c = alias.Length == 0 ? string.Empty : alias + ".";
        return $"""
            ({c}data_source_id = coalesce((select s.parent_data_source_id from {QueryDb.Schema}.data_sources s where s.data_source_id = {dataSourceId}), {dataSourceId})
                and {c}account_id = coalesce((select s.account_id from {QueryDb.Schema}.data_sources s where s.data_source_id = {dataSourceId} and s.parent_data_source_id is not null), {c}account_id))
            """;
    }

    /// <summary>
    /// The condition on the cost periods (which have no account) aliased <paramref name="alias"/>: the root's own,
    /// or a linked data source's root's.
    /// </summary>
    public static string PeriodCondition(string alias, string dataSourceId)
    {
        var c = alias.Length == 0 ? string.Empty : alias + ".";
        return $"{c}data_source_id = coalesce((select s.parent_data_source_id from {QueryDb.Schema}.data_sources s where s.data_source_id = {dataSourceId}), {dataSourceId})";
    }

    /// <summary>
    /// Query's resources with the data source whose cost rows bill them (<c>cost_data_source_id</c>): their own,
    /// or for a linked account's resources, its root's. Joins between resources and costs go through it.
    /// </summary>
    public static readonly string Resources = $"""
        (select r.*, coalesce(d.parent_data_source_id, r.data_source_id) as cost_data_source_id
         from {QueryDb.Schema}.resources r left join {QueryDb.Schema}.data_sources d on d.data_source_id = r.data_source_id)
        """;

    /// <summary>
    /// The condition "this resource (aliased <paramref name="alias"/>, from <see cref="Resources"/>) is data source
    /// <paramref name="dataSourceId"/>'s": discovered by it, or, for a root, by one of its linked accounts, whose
    /// costs the root's imports hold.
    /// </summary>
    public static string ResourceCondition(string alias, string dataSourceId) =>
        $"({alias}.data_source_id = {dataSourceId} or {alias}.cost_data_source_id = {dataSourceId})";
}
