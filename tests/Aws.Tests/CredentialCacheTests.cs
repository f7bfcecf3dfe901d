namespace DigiUsher.Aws.Tests;

/// <summary>How long the services keep DataSource's answer with the quota override it carries.</summary>
public class CredentialCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);

    [Fact]
    public void CachedUntil_WithoutAnOverrideOrWithOneEndingLater_IsTheCacheDuration()
    {
        Assert.Equal(Now + FiveMinutes, DataSourceCredentialsClient.CachedUntil(Now, FiveMinutes, null));
        Assert.Equal(Now + FiveMinutes, DataSourceCredentialsClient.CachedUntil(Now, FiveMinutes, Now.AddHours(1)));
    }

    [Fact]
    public void CachedUntil_WhenTheOverrideEndsSooner_IsTheOverridesEnd_SoTheDefaultsApplyAgainAtOnce()
    {
        Assert.Equal(Now.AddSeconds(90), DataSourceCredentialsClient.CachedUntil(Now, FiveMinutes, Now.AddSeconds(90)));
    }

    [Fact]
    public void CachedUntil_WhenTheOverrideHasAlreadyEnded_KeepsNothing()
    {
        Assert.Equal(Now, DataSourceCredentialsClient.CachedUntil(Now, FiveMinutes, Now.AddSeconds(-1)));
    }
}
