using System.Xml.Linq;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using Amazon.S3;
using DigiUsher.Aws;
using DigiUsher.Aws.CloudWatch;
using DigiUsher.Aws.IdentityManagement;
using Microsoft.Extensions.Options;

namespace DigiUsher.ResourceDiscovery.Tests;

/// <summary>Creates resources in a moto account the way a customer's account would hold them.</summary>
public sealed class MotoAccount(string motoUrl, AWSCredentials credentials) : IDisposable
{
    private readonly AwsClientFactory _factory = new(Options.Create(new AwsOptions { ServiceUrl = motoUrl, MaxErrorRetry = 2 }));
    private readonly AwsQueryProtocol _query = new(Options.Create(new AwsOptions { ServiceUrl = motoUrl, MaxErrorRetry = 2 }));

    public IAmazonEC2 Ec2(string region) => _factory.CreateEc2(credentials, region);

    public IAmazonS3 S3(string region) => _factory.CreateS3(credentials, region);

    public async Task<string> RunInstanceAsync(string region, string instanceType, params (string Key, string Value)[] tags)
    {
        using var ec2 = Ec2(region);
        var request = new RunInstancesRequest
        {
            ImageId = "ami-12c6146b",
            InstanceType = instanceType,
            MinCount = 1,
            MaxCount = 1,
        };
        if (tags.Length > 0)
        {
            request.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Instance, Tags = tags.Select(t => new Amazon.EC2.Model.Tag(t.Key, t.Value)).ToList() }];
        }

        var response = await ec2.RunInstancesAsync(request);
        return response.Reservation.Instances[0].InstanceId;
    }

    public async Task<string> CreateVolumeAsync(string region, int sizeGiB, params (string Key, string Value)[] tags)
    {
        using var ec2 = Ec2(region);
        var request = new CreateVolumeRequest { AvailabilityZone = region + "a", Size = sizeGiB, VolumeType = VolumeType.Gp3 };
        if (tags.Length > 0)
        {
            request.TagSpecifications = [new TagSpecification { ResourceType = ResourceType.Volume, Tags = tags.Select(t => new Amazon.EC2.Model.Tag(t.Key, t.Value)).ToList() }];
        }

        return (await ec2.CreateVolumeAsync(request)).Volume.VolumeId;
    }

    public Task<XElement> IamAsync(string action, params (string Name, string Value)[] parameters) =>
        _query.SendAsync(credentials, _factory.EndpointFor("iam", "us-east-1"), "us-east-1", "iam", action, "2010-05-08",
            parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)), CancellationToken.None);

    /// <summary>A user with an inline policy allowing <paramref name="actions"/>, and its keys.</summary>
    public async Task<BasicAWSCredentials> CreateUserWithPolicyAsync(string userName, params string[] actions)
    {
        await IamAsync("CreateUser", ("UserName", userName));
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[{{string.Join(",", actions.Select(a => $"\"{a}\""))}}],"Resource":"*"}]}""";
        await IamAsync("PutUserPolicy", ("UserName", userName), ("PolicyName", "discovery"), ("PolicyDocument", policy));
        var key = await IamAsync("CreateAccessKey", ("UserName", userName));
        string Value(string name) => key.Descendants().Single(e => e.Name.LocalName == name).Value;
        return new BasicAWSCredentials(Value("AccessKeyId"), Value("SecretAccessKey"));
    }

    public Task PutCpuAsync(string region, string instanceId, IReadOnlyList<MetricDatum> data) =>
        new CloudWatchClient(_query, _factory).PutMetricDataAsync(credentials, region, new PutMetricDataRequest("AWS/EC2", data), CancellationToken.None);

    public void Dispose() => _query.Dispose();
}
