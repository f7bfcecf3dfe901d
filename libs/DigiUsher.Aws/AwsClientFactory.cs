using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SecurityToken;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws;

/// <summary>Creates SDK clients for one data source's credentials and a region, honouring <see cref="AwsOptions.ServiceUrl"/>.</summary>
public sealed class AwsClientFactory(IOptions<AwsOptions> options)
{
    public AwsOptions Options => options.Value;

    public IAmazonS3 CreateS3(AWSCredentials credentials, string? region)
    {
        var config = new AmazonS3Config { MaxErrorRetry = Options.MaxErrorRetry };
        Configure(config, region);
        // moto (and most S3 stand-ins) only understand path-style addressing.
        config.ForcePathStyle = !string.IsNullOrEmpty(Options.ServiceUrl);
        return new AmazonS3Client(credentials, config);
    }

    public IAmazonEC2 CreateEc2(AWSCredentials credentials, string? region)
    {
        var config = new AmazonEC2Config { MaxErrorRetry = Options.MaxErrorRetry };
        Configure(config, region);
        return new AmazonEC2Client(credentials, config);
    }

    /// <summary>
    /// An STS client in <paramref name="region"/> (default region when null) with <paramref name="credentials"/>,
    /// or with the SDK's default credential chain (instance profile, IRSA, environment) when null.
    /// </summary>
    public IAmazonSecurityTokenService CreateSts(AWSCredentials? credentials, string? region)
    {
        var config = new AmazonSecurityTokenServiceConfig { MaxErrorRetry = Options.MaxErrorRetry };
        Configure(config, region);
        return credentials is null ? new AmazonSecurityTokenServiceClient(config) : new AmazonSecurityTokenServiceClient(credentials, config);
    }

    /// <summary>The endpoint for a service (e.g. <c>iam</c>, <c>monitoring</c>) in a region, for our own SigV4 clients.</summary>
    public Uri EndpointFor(string endpointPrefix, string region) =>
        !string.IsNullOrEmpty(Options.ServiceUrl)
            ? new Uri(Options.ServiceUrl.TrimEnd('/') + "/")
            : endpointPrefix == "iam"
                ? new Uri("https://iam.amazonaws.com/")
                : new Uri($"https://{endpointPrefix}.{region}.amazonaws.com/");

    public string RegionOrDefault(string? region) => string.IsNullOrWhiteSpace(region) ? Options.DefaultRegion : region;

    private void Configure(ClientConfig config, string? region)
    {
        var effectiveRegion = RegionOrDefault(region);
        if (!string.IsNullOrEmpty(Options.ServiceUrl))
        {
            config.ServiceURL = Options.ServiceUrl;
            config.AuthenticationRegion = effectiveRegion;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(effectiveRegion);
        }
    }
}
