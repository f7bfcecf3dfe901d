namespace DigiUsher.ResourceDiscovery.Data;

/// <summary>The schema the service owns; its SQL names tables as <c>{DiscoveryDb.Schema}.table</c>.</summary>
public static class DiscoveryDb
{
    public const string Schema = "discovery";
}
