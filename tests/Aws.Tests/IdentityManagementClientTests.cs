using System.Net;
using System.Text;
using Amazon.Runtime;
using DigiUsher.Aws.IdentityManagement;
using DigiUsher.Testing;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws.Tests;

public class IdentityManagementClientTests
{
    private static readonly BasicAWSCredentials MotoRoot = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    [Fact]
    public async Task ListUsers_WhenReadFromMoto_ReturnsEveryUserWithArnAndCreateDate()
    {
        // moto answers ListUsers in one page whatever MaxItems says (IsTruncated is always false),
        // so the Marker path is covered with documented responses below.
        await using var moto = await MotoServer.StartAsync();
        var (client, protocol, factory) = Create(moto.Url);
        for (var i = 0; i < 7; i++)
        {
            await IamAsync(protocol, factory, MotoRoot, "CreateUser", ("UserName", $"user-{i}"));
        }

        var all = new List<IamUser>();
        await foreach (var user in client.ListAllUsersAsync(MotoRoot, CancellationToken.None))
        {
            all.Add(user);
        }

        Assert.Equal(7, all.Select(u => u.UserName).Distinct().Count());
        Assert.All(all, u => Assert.Equal($"arn:aws:iam::123456789012:user/{u.UserName}", u.Arn));
        Assert.All(all, u => Assert.NotNull(u.CreateDate));
        Assert.All(all, u => Assert.Null(u.PasswordLastUsed));
    }

    [Fact]
    public async Task ListAllUsers_WhenThePageIsTruncated_SendsTheMarkerUntilTheLastPage()
    {
        var transport = new CannedTransport(
            (HttpStatusCode.OK, DocumentedListUsers),
            (HttpStatusCode.OK, DocumentedListUsers.Replace("alice", "bob", StringComparison.Ordinal)
                .Replace("<IsTruncated>true</IsTruncated><Marker>AAEXAMPLEMARKER</Marker>", "<IsTruncated>false</IsTruncated>", StringComparison.Ordinal)));
        var (client, _, _) = Create("http://iam.example.invalid", transport);

        var all = new List<IamUser>();
        await foreach (var user in client.ListAllUsersAsync(MotoRoot, CancellationToken.None))
        {
            all.Add(user);
        }

        Assert.Equal(["alice", "bob"], all.Select(u => u.UserName));
        Assert.Equal(2, transport.Requests.Count);
        Assert.DoesNotContain("Marker", transport.Requests[0].Body, StringComparison.Ordinal);
        Assert.Contains("Marker=AAEXAMPLEMARKER", transport.Requests[1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AccessKeysAndLoginProfile_WhenReadFromMoto_AreParsedIncludingNeverUsedAndNoProfile()
    {
        await using var moto = await MotoServer.StartAsync();
        var (client, protocol, factory) = Create(moto.Url);
        await IamAsync(protocol, factory, MotoRoot, "CreateUser", ("UserName", "alice"));
        await IamAsync(protocol, factory, MotoRoot, "CreateUser", ("UserName", "bob"));
        await IamAsync(protocol, factory, MotoRoot, "CreateLoginProfile", ("UserName", "alice"), ("Password", "Str0ng!Passw0rd"));
        var created = await IamAsync(protocol, factory, MotoRoot, "CreateAccessKey", ("UserName", "alice"));
        var keyId = created.Descendants().Single(e => e.Name.LocalName == "AccessKeyId").Value;

        var keys = await client.ListAllAccessKeysAsync(MotoRoot, "alice", CancellationToken.None);
        var lastUsed = await client.GetAccessKeyLastUsedAsync(MotoRoot, keyId, CancellationToken.None);
        var aliceProfile = await client.GetLoginProfileAsync(MotoRoot, "alice", CancellationToken.None);
        var bobProfile = await client.GetLoginProfileAsync(MotoRoot, "bob", CancellationToken.None);

        var key = Assert.Single(keys);
        Assert.Equal(keyId, key.AccessKeyId);
        Assert.Equal("Active", key.Status);
        Assert.Equal("alice", key.UserName);
        Assert.Null(lastUsed.AccessKeyLastUsed.LastUsedDate);
        Assert.NotNull(aliceProfile);
        Assert.Equal("alice", aliceProfile.UserName);
        Assert.Null(bobProfile);
    }

    [Fact]
    public async Task ListUsers_WhenTheKeysLackIamListUsers_ThrowsAccessDeniedAndSignedCallsOfAnAllowedUserSucceed()
    {
        // moto checks SigV4 signatures and IAM policies after the first 6 requests.
        await using var moto = await MotoServer.StartAsync(freeRequests: 6);
        var (client, protocol, factory) = Create(moto.Url);
        var reader = await CreateUserWithPolicyAsync(protocol, factory, "reader", "iam:ListUsers");
        var ec2Only = await CreateUserWithPolicyAsync(protocol, factory, "ec2-only", "ec2:Describe*");

        var users = await client.ListUsersAsync(reader, new ListUsersRequest(), CancellationToken.None);
        var denied = await Assert.ThrowsAsync<IdentityManagementException>(
            () => client.ListUsersAsync(ec2Only, new ListUsersRequest(), CancellationToken.None));

        Assert.Contains(users.Users, u => u.UserName == "reader");
        Assert.Equal(IdentityManagementFailure.AccessDenied, denied.Failure);
        Assert.Equal("iam:ListUsers", denied.Action);
        Assert.DoesNotContain(ec2Only.GetCredentials().SecretKey, denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListUsers_WhenThrottledTwice_RetriesWithBackoffAndReturnsTheDocumentedShape()
    {
        var transport = new CannedTransport(
            (HttpStatusCode.BadRequest, ThrottlingError),
            (HttpStatusCode.BadRequest, ThrottlingError),
            (HttpStatusCode.OK, DocumentedListUsers));
        var (client, _, _) = Create("http://iam.example.invalid", transport);

        var page = await client.ListUsersAsync(MotoRoot, new ListUsersRequest(), CancellationToken.None);

        Assert.Equal(3, transport.Requests.Count);
        Assert.All(transport.Requests, r => Assert.Contains("Action=ListUsers", r.Body, StringComparison.Ordinal));
        Assert.All(transport.Requests, r => Assert.Contains("/us-east-1/iam/aws4_request", r.Authorization, StringComparison.Ordinal));
        var user = Assert.Single(page.Users);
        Assert.Equal("alice", user.UserName);
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), user.PasswordLastUsed);
        Assert.True(page.IsTruncated);
        Assert.Equal("AAEXAMPLEMARKER", page.Marker);
    }

    [Fact]
    public async Task GetLoginProfile_WhenIamAnswersAccessDenied_ThrowsAndDoesNotRetry()
    {
        var transport = new CannedTransport((HttpStatusCode.Forbidden, """
            <ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code>
            <Message>User: arn:aws:iam::123456789012:user/x is not authorized to perform: iam:GetLoginProfile</Message></Error><RequestId>1</RequestId></ErrorResponse>
            """));
        var (client, _, _) = Create("http://iam.example.invalid", transport);

        var ex = await Assert.ThrowsAsync<IdentityManagementException>(() => client.GetLoginProfileAsync(MotoRoot, "x", CancellationToken.None));

        Assert.Equal(IdentityManagementFailure.AccessDenied, ex.Failure);
        Assert.Single(transport.Requests);
    }

    private const string ThrottlingError = """
        <ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>Throttling</Code>
        <Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>
        """;

    // The sample response of https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListUsers.html
    private const string DocumentedListUsers = """
        <ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
          <ListUsersResult>
            <Users>
              <member><Path>/</Path><UserName>alice</UserName><UserId>AIDAEXAMPLE1</UserId>
                <Arn>arn:aws:iam::123456789012:user/alice</Arn><CreateDate>2020-01-02T03:04:05Z</CreateDate>
                <PasswordLastUsed>2025-01-01T00:00:00Z</PasswordLastUsed></member>
            </Users>
            <IsTruncated>true</IsTruncated><Marker>AAEXAMPLEMARKER</Marker>
          </ListUsersResult>
          <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
        </ListUsersResponse>
        """;

    internal static (IdentityManagementClient Client, AwsQueryProtocol Protocol, AwsClientFactory Factory) Create(string serviceUrl, HttpMessageHandler? transport = null)
    {
        var options = Options.Create(new AwsOptions { ServiceUrl = serviceUrl, MaxErrorRetry = 3 });
        var protocol = transport is null
            ? new AwsQueryProtocol(options)
            : new AwsQueryProtocol(transport, options) { RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        var factory = new AwsClientFactory(options);
        return (new IdentityManagementClient(protocol, factory), protocol, factory);
    }

    internal static Task<System.Xml.Linq.XElement> IamAsync(AwsQueryProtocol protocol, AwsClientFactory factory, AWSCredentials credentials, string action, params (string Name, string Value)[] parameters) =>
        protocol.SendAsync(credentials, factory.EndpointFor("iam", "us-east-1"), "us-east-1", "iam", action, "2010-05-08",
            parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value)), CancellationToken.None);

    internal static async Task<BasicAWSCredentials> CreateUserWithPolicyAsync(AwsQueryProtocol protocol, AwsClientFactory factory, string userName, string allowedAction)
    {
        await IamAsync(protocol, factory, MotoRoot, "CreateUser", ("UserName", userName));
        var policy = $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"{{allowedAction}}","Resource":"*"}]}""";
        await IamAsync(protocol, factory, MotoRoot, "PutUserPolicy", ("UserName", userName), ("PolicyName", "p"), ("PolicyDocument", policy));
        var key = await IamAsync(protocol, factory, MotoRoot, "CreateAccessKey", ("UserName", userName));
        string Value(string name) => key.Descendants().Single(e => e.Name.LocalName == name).Value;
        return new BasicAWSCredentials(Value("AccessKeyId"), Value("SecretAccessKey"));
    }
}

/// <summary>Answers each request with the next canned AWS response (documented shapes), recording what was sent.</summary>
internal sealed class CannedTransport(params (HttpStatusCode Status, string Body)[] responses) : HttpMessageHandler
{
    private int _next;

    public List<(string Body, string Authorization)> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((body, request.Headers.TryGetValues("Authorization", out var values) ? string.Join(",", values) : string.Empty));
        }

        var (status, text) = responses[Math.Min(Interlocked.Increment(ref _next) - 1, responses.Length - 1)];
        return new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, "text/xml") };
    }
}
