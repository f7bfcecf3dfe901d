namespace DigiUsher.DataSource.Data;

/// <summary>The schema the service owns; its SQL names tables as <c>{DataSourceDb.Schema}.table</c>.</summary>
public static class DataSourceDb
{
    public const string Schema = "datasource";
}
