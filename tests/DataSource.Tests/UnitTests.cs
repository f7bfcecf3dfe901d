using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using DigiUsher.Aws;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Aws.Organizations;
using DigiUsher.DataSource.Connections;
using DigiUsher.DataSource.DataSources;
using DigiUsher.DataSource.Secrets;
using DigiUsher.DataSource.Validation;
using Microsoft.Extensions.Options;

namespace DigiUsher.DataSource.Tests;

public class PermissionProbeTests
{
    private static readonly PermissionProbe Tagging = new("s3:GetBucketTagging", "s3", "arn:aws:s3:::b", "Allow it.", _ => Task.CompletedTask, AbsentMeansAllowed: true);

    [Fact]
    public void Judge_WhenAwsDenies_IsDeniedWithTheFix()
    {
        var check = Tagging.Judge(new ProbeFailure(AwsErrorKind.AccessDenied, "AccessDenied", "AccessDenied: no"));

        Assert.Equal(PermissionStatus.Denied, check.Status);
        Assert.Equal("AccessDenied: no", check.Detail);
        Assert.Equal("Allow it.", check.Fix);
    }

    [Fact]
    public void Judge_WhenTheThingIsAbsentAndAbsenceProvesTheCall_IsOk() =>
        Assert.Equal(PermissionStatus.Ok, Tagging.Judge(new ProbeFailure(AwsErrorKind.NotFound, "NoSuchTagSet", "NoSuchTagSet: none")).Status);

    [Theory]
    [InlineData(AwsErrorKind.Unavailable)]
    [InlineData(AwsErrorKind.Throttled)]
    [InlineData(AwsErrorKind.InvalidCredentials)]
    [InlineData(AwsErrorKind.Other)]
    public void Judge_WhenTheFailureSaysNothingAboutThePolicy_IsNotChecked(AwsErrorKind kind) =>
        Assert.Equal(PermissionStatus.NotChecked, Tagging.Judge(new ProbeFailure(kind, null, "x")).Status);

    [Fact]
    public void Of_WhenTheSdkAnswersA403WithAnUnknownCode_IsAccessDenied() =>
        Assert.Equal(AwsErrorKind.AccessDenied, ProbeFailure.Of(new AmazonS3Exception("no", ErrorType.Sender, "Whatever", "r", HttpStatusCode.Forbidden))!.Kind);

    [Fact]
    public void Of_WhenIamHasNoSuchEntity_IsNotFound() =>
        Assert.Equal(AwsErrorKind.NotFound, ProbeFailure.Of(new IdentityManagementException(IdentityManagementFailure.NoSuchEntity, "iam:GetLoginProfile", "NoSuchEntity", "none"))!.Kind);

    [Fact]
    public void Of_WhenTheAccountIsInNoOrganization_SaysSoAndIsNotADenial()
    {
        var failure = ProbeFailure.Of(new OrganizationsException(AwsErrorKind.Other, "organizations:ListAccounts", "AWSOrganizationsNotInUseException", "not in use"))!;

        Assert.Equal(AwsErrorKind.Other, failure.Kind);
        Assert.Contains("no AWS Organization", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_WhenTheExceptionIsNotAnAwsCall_IsNull() => Assert.Null(ProbeFailure.Of(new InvalidOperationException()));

    [Fact]
    public void DiscoveryProbes_CoverEveryPermissionOfTheGuideOnce()
    {
        var probes = DiscoveryProbes.For(Target(userName: "reader"), null!, null!, null!, null!, null!);

        Assert.Equal(
            ["ec2:DescribeRegions", "ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeSnapshots", "ec2:DescribeAddresses",
             "s3:ListAllMyBuckets", "s3:GetBucketTagging", "s3:GetBucketAcl", "s3:GetBucketPublicAccessBlock", "s3:GetBucketPolicyStatus",
             "iam:ListUsers", "iam:ListAccessKeys", "iam:GetLoginProfile", "iam:GetAccessKeyLastUsed", "cloudwatch:GetMetricStatistics",
             "organizations:ListAccounts"],
            probes.Select(p => p.Action));
        Assert.All(probes, p => Assert.Contains(p.Feature, ConnectionValidator.DiscoveryFeatures));
        Assert.All(probes, p => Assert.Contains(p.Action, p.Fix, StringComparison.Ordinal));
    }

    [Fact]
    public void WhyNotAsked_WhenTheCredentialsAreARoles_SkipsOnlyTheUserProbes()
    {
        var target = Target(userName: null);
        var skipped = DiscoveryProbes.For(target, null!, null!, null!, null!, null!).Where(p => DiscoveryProbes.WhyNotAsked(p, target) is not null).Select(p => p.Action);

        Assert.Equal(["iam:ListAccessKeys", "iam:GetLoginProfile"], skipped);
    }

    private static DiscoveryProbeTarget Target(string? userName) =>
        new(new BasicAWSCredentials("AKIAEXAMPLE", "secret"), "AKIAEXAMPLE", userName, "b", "us-east-1", DateTimeOffset.UnixEpoch);
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
