using System.Security.Cryptography;
using DigiUsher.DataSource.Apis;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.DataSources;
using DigiUsher.DataSource.Secrets;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Tests;

public class ManifestScanTests
{
    [Theory]
    [InlineData("billing/hourly/20240101-20240201/hourly-Manifest.json", "hourly", "legacy-csv", "billing")]
    [InlineData("hourly/20240101-20240201/hourly-Manifest.json", "hourly", "legacy-csv", "")]
    [InlineData("a/b/cur/cur/year=2024/month=1/cur-Manifest.json", "cur", "legacy-parquet", "a/b")]
    [InlineData("exports/focus/metadata/BILLING_PERIOD=2024-05/focus-Manifest.json", "focus", "cur2", "exports")]
    public void Match_WhenTheKeyIsAPeriodManifest_FindsReportLayoutAndPrefix(string key, string report, string layout, string prefix)
    {
        var found = ManifestScan.Match(key, null);

        Assert.NotNull(found);
        Assert.Equal(report, found.ReportName);
        Assert.Equal(layout, found.Layout);
        Assert.Equal(prefix, found.Prefix);
    }

    [Theory]
    [InlineData("billing/hourly/20240101-20240201/ea74f90b/hourly-1.csv.gz")]
    [InlineData("billing/hourly/20240101-20240201/other-Manifest.json")]
    [InlineData("notes/readme-Manifest.json")]
    public void Match_WhenTheKeyIsNoPeriodManifest_ReturnsNull(string key) => Assert.Null(ManifestScan.Match(key, null));

    [Fact]
    public void Summarize_ReadsAccountAndWhetherResourceIdsAreIncluded()
    {
        using var json = new MemoryStream("""{"account":"012345678910","compression":"GZIP","columns":[{"category":"lineItem","name":"ResourceId"}]}"""u8.ToArray());

        var summary = ManifestScan.Summarize(json);

        Assert.Equal("012345678910", summary.Account);
        Assert.Equal("GZIP", summary.Format);
        Assert.True(summary.ResourceIdsIncluded);
    }
}

public class SecretCipherTests
{
    private static readonly string OldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void Decrypt_AfterAKeyRotation_OpensOldCiphertextsAndEncryptsWithTheNewKey()
    {
        var owner = Guid.NewGuid();
        var before = Cipher(("k1", OldKey)).Encrypt("s3cr3t", owner);
        var rotated = Cipher(("k2", NewKey), ("k1", OldKey));

        Assert.Equal("s3cr3t", rotated.Decrypt(before, owner));
        Assert.Equal("k2", rotated.Encrypt("s3cr3t", owner).KeyId);
        Assert.Equal("k1", before.KeyId);
    }

    [Fact]
    public void Decrypt_WithAnotherOwnersId_Fails()
    {
        var cipher = Cipher(("k1", OldKey));
        var secret = cipher.Encrypt("s3cr3t", Guid.NewGuid());

        Assert.ThrowsAny<CryptographicException>(() => cipher.Decrypt(secret, Guid.NewGuid()));
    }

    [Fact]
    public void Validate_WhenAKeyIsNot32Bytes_Throws() =>
        Assert.Throws<OptionsValidationException>(() => SecretCipher.Validate(new EncryptionKeyOptions { EncryptionKeys = [new EncryptionKey { Id = "k", Key = Convert.ToBase64String(new byte[16]) }] }));

    private static SecretCipher Cipher(params (string Id, string Key)[] keys) =>
        new(Options.Create(new EncryptionKeyOptions { EncryptionKeys = [.. keys.Select(k => new EncryptionKey { Id = k.Id, Key = k.Key })] }));
}

public class FieldRuleTests
{
    [Theory]
    [InlineData("my-cur-bucket", true)]
    [InlineData("cur.reports.example", true)]
    [InlineData("ab", false)]
    [InlineData("Upper", false)]
    [InlineData("192.168.1.1", false)]
    [InlineData("a..b", false)]
    [InlineData("bucket-s3alias", false)]
    [InlineData("under_score", false)]
    public void BucketNameProblem_FollowsS3NamingRules(string name, bool valid) =>
        Assert.Equal(valid, FieldErrors.BucketNameProblem(name) is null);

    [Fact]
    public void MessageId_ForTheSameKey_IsTheSame() =>
        Assert.Equal(DataSourceEvents.MessageId("a:connected"), DataSourceEvents.MessageId("a:connected"));

    [Fact]
    public void NormalizePrefix_TrimsSlashes() => Assert.Equal("billing/cur", DataSourceRules.NormalizePrefix("/billing/cur/"));

    [Fact]
    public void SetupPolicies_FillTheBucketIntoEveryStatement()
    {
        var read = SetupPolicies.BillingReadPolicy("my-cur-bucket").ToJsonString();

        Assert.Contains("arn:aws:s3:::my-cur-bucket/*", read, StringComparison.Ordinal);
        Assert.Contains("\"arn:aws:s3:::my-cur-bucket\"", read, StringComparison.Ordinal);
        Assert.Contains("123456789012", SetupPolicies.BucketPolicy("my-cur-bucket", "123456789012").ToJsonString(), StringComparison.Ordinal);
    }
}
