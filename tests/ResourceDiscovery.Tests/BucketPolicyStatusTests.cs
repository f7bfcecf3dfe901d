using Amazon.Runtime;
using DigiUsher.Aws;
using DigiUsher.Contracts;
using DigiUsher.ResourceDiscovery.Discovery;
using Microsoft.Extensions.Options;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace DigiUsher.ResourceDiscovery.Tests;

/// <summary>
/// moto answers GetBucketPolicyStatus with an empty status, so the policy path is checked against
/// canned S3 responses of the documented shapes (https://docs.aws.amazon.com/AmazonS3/latest/API/).
/// </summary>
public class BucketPolicyStatusTests
{
    private const string Ns = "http://s3.amazonaws.com/doc/2006-03-01/";

    [Fact]
    public async Task Scan_WhenThePolicyStatusIsPublic_GivesAPublicVerdictAndABlockedBucketIsPrivate()
    {
        using var s3 = WireMockServer.Start();
        Xml(s3, "/", null, 200, $"""
            <ListAllMyBucketsResult xmlns="{Ns}"><Owner><ID>abc</ID><DisplayName>owner</DisplayName></Owner>
            <Buckets><Bucket><Name>policy-public</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket>
            <Bucket><Name>blocked</Name><CreationDate>2024-02-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>
            """);
        Xml(s3, "/policy-public/", "location", 200, $"""<LocationConstraint xmlns="{Ns}"/>""");
        Xml(s3, "/blocked/", "location", 200, $"""<LocationConstraint xmlns="{Ns}">EU</LocationConstraint>""");
        foreach (var bucket in new[] { "policy-public", "blocked" })
        {
            Xml(s3, $"/{bucket}/", "tagging", 404, Error("NoSuchTagSet", "The TagSet does not exist"));
            Xml(s3, $"/{bucket}/", "acl", 200, $"""
                <AccessControlPolicy xmlns="{Ns}"><Owner><ID>abc</ID><DisplayName>owner</DisplayName></Owner><AccessControlList>
                <Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID><DisplayName>owner</DisplayName></Grantee>
                <Permission>FULL_CONTROL</Permission></Grant></AccessControlList></AccessControlPolicy>
                """);
        }

        Xml(s3, "/policy-public/", "publicAccessBlock", 404, Error("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"));
        Xml(s3, "/policy-public/", "policyStatus", 200, $"""<PolicyStatus xmlns="{Ns}"><IsPublic>true</IsPublic></PolicyStatus>""");
        Xml(s3, "/blocked/", "publicAccessBlock", 200, $"""
            <PublicAccessBlockConfiguration xmlns="{Ns}"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>
            <BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>
            """);
        Xml(s3, "/blocked/", "policyStatus", 404, Error("NoSuchBucketPolicy", "The bucket policy does not exist"));
        var options = Options.Create(new AwsOptions { ServiceUrl = s3.Url, MaxErrorRetry = 0 });
        var scanner = new BucketScanner(new AwsClientFactory(options), Options.Create(new DiscoveryOptions()));
        var run = new RunCollector(new Dictionary<string, string>());

        await scanner.ScanAsync(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), "us-east-1", run, CancellationToken.None);

        var (region, kind, buckets) = Assert.Single(run.Groups);
        Assert.Equal(("global", ResourceKinds.Bucket), (region, kind));
        var open = Assert.Single(buckets, b => b.ResourceId == "policy-public");
        Assert.Equal(("true", "true", "none", "us-east-1"), (open.Attributes["public"], open.Attributes["policyPublic"], open.Attributes["publicAccessBlock"], open.Region));
        Assert.Equal("the bucket policy grants public access", open.Attributes["publicReason"]);
        Assert.Empty(open.Tags);
        var blocked = Assert.Single(buckets, b => b.ResourceId == "blocked");
        Assert.Equal(("false", "false", "eu-west-1"), (blocked.Attributes["public"], blocked.Attributes["policyPublic"], blocked.Region));
        Assert.Equal("the bucket's public access block blocks all public access", blocked.Attributes["publicReason"]);
        Assert.Empty(run.Skipped);
        Assert.Equal(["s3-bucket@global"], run.CoveredKeys);
    }

    [Fact]
    public async Task Scan_WhenListBucketsIsDenied_SkipsBucketsWithTheReasonAndRemembersTheDenial()
    {
        using var s3 = WireMockServer.Start();
        Xml(s3, "/", null, 403, Error("AccessDenied", "Access Denied"));
        var options = Options.Create(new AwsOptions { ServiceUrl = s3.Url, MaxErrorRetry = 0 });
        var scanner = new BucketScanner(new AwsClientFactory(options), Options.Create(new DiscoveryOptions()));
        var run = new RunCollector(new Dictionary<string, string>());

        await scanner.ScanAsync(new BasicAWSCredentials("AKIDEXAMPLE", "secret"), "us-east-1", run, CancellationToken.None);

        var skipped = Assert.Single(run.Skipped);
        Assert.Equal(ResourceKinds.Bucket, skipped.Kind);
        Assert.StartsWith("AccessDenied on s3:ListAllMyBuckets", skipped.Reason, StringComparison.Ordinal);
        Assert.True(run.Denied.ContainsKey(DiscoveryFeatures.S3));
        Assert.Empty(run.CoveredKeys);
    }

    private static string Error(string code, string message) =>
        $"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>4442587FB7D0A2F9</RequestId></Error>";

    private static void Xml(WireMockServer server, string path, string? subresource, int status, string body)
    {
        var request = Request.Create().WithPath(path).UsingGet();
        if (subresource is not null)
        {
            request = request.WithParam(subresource);
        }

        server.Given(request).AtPriority(subresource is null ? 10 : 1)
            .RespondWith(Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/xml").WithBody(body));
    }
}
