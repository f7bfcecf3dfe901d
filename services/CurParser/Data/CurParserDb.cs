namespace DigiUsher.CurParser.Data;

/// <summary>The schema the service owns; its SQL names tables as <c>{CurParserDb.Schema}.table</c>.</summary>
public static class CurParserDb
{
    public const string Schema = "curparser";
}
