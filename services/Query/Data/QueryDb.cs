namespace DigiUsher.Query.Data;

/// <summary>The schema the Query service owns (its SQL lives next to the code that runs it).</summary>
public static class QueryDb
{
    public const string Schema = "query";
}
