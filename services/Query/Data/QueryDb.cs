namespace DigiUsher.Query.Data;

/// <summary>The schema the service owns; its SQL names tables as <c>{QueryDb.Schema}.table</c>.</summary>
public static class QueryDb
{
    public const string Schema = "query";
}
