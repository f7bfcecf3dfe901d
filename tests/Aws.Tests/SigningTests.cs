using System.Security.Cryptography;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.Signing;
using DigiUsher.Aws.Signing;

namespace DigiUsher.Aws.Tests;

/// <summary>
/// AWSSDK.Core's public signer against the published SigV4 test suite, case "get-vanilla"
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/signing-elements.html, aws-sig-v4-test-suite).
/// </summary>
public class SigningTests
{
    private const string VanillaSignature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    private static readonly DateTime VanillaTime = new(2015, 8, 30, 12, 36, 0, DateTimeKind.Utc);
    private static readonly BasicAWSCredentials VanillaCredentials = new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

    [Fact]
    public void ReferenceSignature_WhenGivenTheGetVanillaVector_IsThePublishedOne()
    {
        Assert.Equal(VanillaSignature, ReferenceSignature(VanillaCanonicalRequest(withContentHash: false)));
    }

    [Fact]
    public void SdkSignatureCore_WhenGivenTheGetVanillaCanonicalRequest_ProducesThePublishedSignature()
    {
        var result = Amazon.Runtime.Internal.Auth.AWS4Signer.ComputeSignature(
            "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1", VanillaTime, "service", "host;x-amz-date",
            VanillaCanonicalRequest(withContentHash: false));

        Assert.Equal(VanillaSignature, result.Signature);
    }

    [Fact]
    public void Sign_WhenGivenTheGetVanillaRequest_SignsItsCanonicalRequestWithTheVectorsKey()
    {
        var request = new AWSSigningRequest { HttpMethod = HttpMethod.Get, RequestUri = new Uri("https://example.amazonaws.com/") };

        var result = AWSSigV4Signer.Sign(request, VanillaParameters());

        // AWSSigV4Signer always signs x-amz-content-sha256 as well, so the vanilla request gains one
        // signed header; the signature must be the suite's derivation over that canonical request.
        var expected = ReferenceSignature(VanillaCanonicalRequest(withContentHash: true));
        Assert.Equal(
            $"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={expected}",
            result.Headers["Authorization"]);
        Assert.Equal("20150830T123600Z", result.Headers["X-Amz-Date"]);
    }

    [Fact]
    public async Task SigningHandler_WhenSendingTheGetVanillaRequest_AddsTheExpectedAuthorization()
    {
        var capture = new CapturingHandler();
        using var handler = new SigV4SigningHandler(VanillaParameters(), capture);
        using var http = new HttpClient(handler);

        await http.GetAsync(new Uri("https://example.amazonaws.com/"));

        var sent = Assert.Single(capture.Requests);
        var expected = ReferenceSignature(VanillaCanonicalRequest(withContentHash: true));
        Assert.EndsWith($"Signature={expected}", sent.Authorization);
    }

    [Fact]
    public async Task SignedClient_WhenCredentialsHaveASessionToken_SignsTheTokenHeader()
    {
        var capture = new CapturingHandler();
        using var factory = new AwsSignedHttpClientFactory(capture);
        using var http = factory.CreateClient(new SessionAWSCredentials("ASIAEXAMPLE", "secret", "the-session-token"), "eu-west-1", "monitoring", new Uri("https://monitoring.eu-west-1.amazonaws.com/"));

        await http.PostAsync("", new StringContent("Action=ListMetrics"));

        var sent = Assert.Single(capture.Requests);
        Assert.Equal("the-session-token", sent.SecurityToken);
        Assert.Contains("/eu-west-1/monitoring/aws4_request", sent.Authorization);
        Assert.Contains("x-amz-security-token", sent.Authorization);
    }

    private const string EmptyBodyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static string VanillaCanonicalRequest(bool withContentHash) => withContentHash
        ? $"GET\n/\n\nhost:example.amazonaws.com\nx-amz-content-sha256:{EmptyBodyHash}\nx-amz-date:20150830T123600Z\n\nhost;x-amz-content-sha256;x-amz-date\n{EmptyBodyHash}"
        : $"GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n{EmptyBodyHash}";

    /// <summary>The test suite's derivation, written out: string to sign, then the HMAC key chain.</summary>
    private static string ReferenceSignature(string canonicalRequest)
    {
        var stringToSign = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));
        var key = Encoding.UTF8.GetBytes("AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        foreach (var part in new[] { "20150830", "us-east-1", "service", "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
    }

    private static AWSSigV4Parameters VanillaParameters() => new()
    {
        Credentials = VanillaCredentials,
        Region = RegionEndpoint.USEast1,
        Service = "service",
        SignedAt = VanillaTime,
    };

    private sealed record SentRequest(string Authorization, string? SecurityToken);

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<SentRequest> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(new SentRequest(
                request.Headers.TryGetValues("Authorization", out var authorization) ? authorization.Single() : string.Empty,
                request.Headers.TryGetValues("X-Amz-Security-Token", out var token) ? token.Single() : null));
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));
        }
    }
}
