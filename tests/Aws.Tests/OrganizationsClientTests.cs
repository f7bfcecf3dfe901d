using System.Net;
using Amazon.Runtime;
using DigiUsher.Aws.Organizations;
using DigiUsher.Aws.Signing;
using DigiUsher.Testing;
using Microsoft.Extensions.Options;

namespace DigiUsher.Aws.Tests;

/// <summary>
/// The Organizations client against moto (which implements CreateOrganization, CreateAccount,
/// ListAccounts with paging and DescribeOrganization), and against AWS's documented error shapes.
/// </summary>
public class OrganizationsClientTests(OrganizationsClientTests.SharedMoto shared) : IClassFixture<OrganizationsClientTests.SharedMoto>
{
    private static readonly BasicAWSCredentials MotoRoot = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    [Fact]
    public async Task ListAllAccounts_WhenTheOrganizationHasMoreThanOnePage_FollowsNextTokenAndReturnsEveryAccountWithItsName()
    {
        var moto = await shared.FreshAsync();
        var client = Create(moto.Url);
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        for (var i = 0; i < 23; i++)
        {
            await MotoOrganizations.CreateAccountAsync(moto.Url, $"member-{i:00}");
        }

        var first = await client.ListAccountsAsync(MotoRoot, new ListAccountsRequest(MaxResults: 20), CancellationToken.None);
        var all = await client.ListAllAccountsAsync(MotoRoot, CancellationToken.None);

        Assert.Equal(20, first.Accounts.Count);
        Assert.NotNull(first.NextToken);
        Assert.Equal(24, all.Select(a => a.Id).Distinct().Count()); // the 23 members and the management account
        Assert.All(Enumerable.Range(0, 23), i => Assert.Contains(all, a => a.Name == $"member-{i:00}" && a.Email == $"member-{i:00}@example.com"));
        Assert.All(all, a => Assert.Matches("^[0-9]{12}$", a.Id));
        Assert.All(all, a => Assert.True(a.IsActive));
        Assert.All(all, a => Assert.NotNull(a.JoinedTimestamp));
        Assert.Contains(all, a => a.Id == "123456789012");
    }

    [Fact]
    public async Task DescribeOrganization_WhenTheAccountManagesOne_ReturnsItsIdAndManagementAccount()
    {
        var moto = await shared.FreshAsync();
        var client = Create(moto.Url);
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);

        var organization = await client.DescribeOrganizationAsync(MotoRoot, CancellationToken.None);

        Assert.Matches("^o-[a-z0-9]{10}$", organization.Id);
        Assert.Equal("123456789012", organization.MasterAccountId);
        Assert.Equal("ALL", organization.FeatureSet);
    }

    [Fact]
    public async Task DescribeOrganization_WhenTheAccountIsInNone_ThrowsNotInOrganization()
    {
        var moto = await shared.FreshAsync();
        var client = Create(moto.Url);

        var ex = await Assert.ThrowsAsync<OrganizationsException>(() => client.DescribeOrganizationAsync(MotoRoot, CancellationToken.None));

        Assert.True(ex.NotInOrganization);
        Assert.Equal("organizations:DescribeOrganization", ex.Action);
    }

    [Fact]
    public async Task ListAccounts_WhenThePolicyLacksOrganizationsListAccounts_ThrowsAccessDeniedAndAnAllowedUserIsAnswered()
    {
        // moto checks SigV4 signatures and IAM policies after the first 7 requests.
        await using var moto = await MotoServer.StartAsync(freeRequests: 7);
        var (_, protocol, factory) = IdentityManagementClientTests.Create(moto.Url);
        await MotoOrganizations.CreateOrganizationAsync(moto.Url);
        var reader = await IdentityManagementClientTests.CreateUserWithPolicyAsync(protocol, factory, "reader", "organizations:ListAccounts");
        var ec2Only = await IdentityManagementClientTests.CreateUserWithPolicyAsync(protocol, factory, "ec2-only", "ec2:Describe*");
        var client = Create(moto.Url);

        var page = await client.ListAccountsAsync(reader, new ListAccountsRequest(), CancellationToken.None);
        var denied = await Assert.ThrowsAsync<OrganizationsException>(() => client.ListAccountsAsync(ec2Only, new ListAccountsRequest(), CancellationToken.None));

        Assert.Contains(page.Accounts, a => a.Id == "123456789012");
        Assert.Equal(AwsErrorKind.AccessDenied, denied.Kind);
        Assert.Equal("organizations:ListAccounts", denied.Action);
        Assert.DoesNotContain(ec2Only.GetCredentials().SecretKey, denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAccounts_WhenThrottledOnce_RetriesAndParsesTheDocumentedShape()
    {
        // https://docs.aws.amazon.com/organizations/latest/APIReference/API_ListAccounts.html#API_ListAccounts_Examples
        const string documented = """
            {"Accounts":[{"Arn":"arn:aws:organizations::111111111111:account/o-exampleorgid/111111111111","JoinedMethod":"INVITED",
              "JoinedTimestamp":1481830215.45,"Id":"111111111111","Name":"Master Account","Email":"bill@example.com","Status":"ACTIVE"},
             {"Arn":"arn:aws:organizations::111111111111:account/o-exampleorgid/222222222222","JoinedMethod":"INVITED",
              "JoinedTimestamp":1481835741.044,"Id":"222222222222","Name":"Production Account","Email":"alice@example.com","Status":"SUSPENDED"}],
             "NextToken":"AAAABExampleToken"}
            """;
        var transport = new JsonCannedTransport(
            (HttpStatusCode.BadRequest, """{"__type":"TooManyRequestsException","Message":"Rate exceeded"}"""),
            (HttpStatusCode.OK, documented));
        var client = Create("http://organizations.example.invalid", transport);

        var page = await client.ListAccountsAsync(MotoRoot, new ListAccountsRequest("AAAAPrevious", 2), CancellationToken.None);

        Assert.Equal(2, transport.Requests.Count);
        Assert.All(transport.Requests, r => Assert.Equal("AWSOrganizationsV20161128.ListAccounts", r.Target));
        Assert.All(transport.Requests, r => Assert.Contains("/us-east-1/organizations/aws4_request", r.Authorization, StringComparison.Ordinal));
        Assert.Equal("""{"NextToken":"AAAAPrevious","MaxResults":2}""", transport.Requests[0].Body);
        Assert.Equal(["Master Account", "Production Account"], page.Accounts.Select(a => a.Name));
        Assert.False(page.Accounts[1].IsActive);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1481830215450), page.Accounts[0].JoinedTimestamp);
        Assert.Equal("AAAABExampleToken", page.NextToken);
    }

    [Theory]
    [InlineData(400, "AccessDeniedException", AwsErrorKind.AccessDenied)]
    [InlineData(400, "com.amazonaws.organizations#AWSOrganizationsNotInUseException", AwsErrorKind.Other)]
    [InlineData(400, "UnrecognizedClientException", AwsErrorKind.InvalidCredentials)]
    [InlineData(503, "ServiceException", AwsErrorKind.Unavailable)]
    public async Task ListAccounts_WhenAwsAnswersAnError_ClassifiesItWithAwsErrors(int status, string type, AwsErrorKind expected)
    {
        var transport = new JsonCannedTransport(((HttpStatusCode)status, $$"""{"__type":"{{type}}","Message":"documented message"}"""));
        var client = Create("http://organizations.example.invalid", transport);

        var ex = await Assert.ThrowsAsync<OrganizationsException>(() => client.ListAccountsAsync(MotoRoot, new ListAccountsRequest(), CancellationToken.None));

        Assert.Equal(expected, ex.Kind);
        Assert.Equal(type.Split('#')[^1], ex.ErrorCode);
        Assert.Contains("documented message", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>One moto for the tests of this class (they run one after another), cleared before each.</summary>
    public sealed class SharedMoto : IAsyncLifetime
    {
        private MotoServer? _moto;

        public async Task<MotoServer> FreshAsync()
        {
            await _moto!.ResetAsync();
            return _moto;
        }

        public async Task InitializeAsync() => _moto = await MotoServer.StartAsync();

        public async Task DisposeAsync()
        {
            if (_moto is not null)
            {
                await _moto.DisposeAsync();
            }
        }
    }

    internal static OrganizationsClient Create(string serviceUrl, HttpMessageHandler? transport = null)
    {
        var options = Options.Create(new AwsOptions { ServiceUrl = serviceUrl, MaxErrorRetry = 2 });
        var http = transport is null ? new AwsSignedHttpClientFactory() : new AwsSignedHttpClientFactory(transport);
        return new OrganizationsClient(http, new AwsClientFactory(options), options) { RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
    }
}

/// <summary>Answers each request with the next canned JSON-protocol response, recording the target, body and signature.</summary>
internal sealed class JsonCannedTransport(params (HttpStatusCode Status, string Body)[] responses) : HttpMessageHandler
{
    private int _next;

    public List<(string Target, string Body, string Authorization)> Requests { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Requests)
        {
            Requests.Add((
                request.Headers.TryGetValues("X-Amz-Target", out var target) ? target.Single() : string.Empty,
                body,
                request.Headers.TryGetValues("Authorization", out var values) ? string.Join(",", values) : string.Empty));
        }

        var (status, text) = responses[Math.Min(Interlocked.Increment(ref _next) - 1, responses.Length - 1)];
        return new HttpResponseMessage(status) { Content = new StringContent(text, System.Text.Encoding.UTF8, "application/x-amz-json-1.1") };
    }
}
