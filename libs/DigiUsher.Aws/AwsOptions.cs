namespace DigiUsher.Aws;

/// <summary>
/// Section <c>Aws</c>. <see cref="ServiceUrl"/> points every AWS client at one endpoint (moto in
/// development and tests); empty means the real regional AWS endpoints.
/// </summary>
public sealed class AwsOptions
{
    public const string Section = "Aws";

    public string? ServiceUrl { get; set; }

    /// <summary>Region used when a data source names none.</summary>
    public string DefaultRegion { get; set; } = "us-east-1";

    /// <summary>How long credentials from DataSource are cached in memory.</summary>
    public TimeSpan CredentialCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Maximum SDK retries for throttling and 5xx.</summary>
    public int MaxErrorRetry { get; set; } = 4;
}
