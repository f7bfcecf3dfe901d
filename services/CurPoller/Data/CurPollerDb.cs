namespace DigiUsher.CurPoller.Data;

/// <summary>The schema the service owns; its SQL names tables as <c>{CurPollerDb.Schema}.table</c>.</summary>
public static class CurPollerDb
{
    public const string Schema = "curpoller";
}
