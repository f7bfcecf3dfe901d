using System.Text.Json;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using DigiUsher.Aws.Signing;

namespace DigiUsher.Testing;

/// <summary>
/// Sets up AWS Organizations in moto (CreateOrganization, CreateAccount): moto answers CreateAccount
/// with the account already created and lists it with its name at once.
/// </summary>
public static class MotoOrganizations
{
    /// <summary>moto's default account, which <see cref="CreateOrganizationAsync"/> makes the management account.</summary>
    public static readonly BasicAWSCredentials Root = new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");

    public static async Task CreateOrganizationAsync(string serviceUrl, AWSCredentials? credentials = null)
    {
        using var answer = await SendAsync(serviceUrl, credentials ?? Root, "CreateOrganization", new Dictionary<string, object> { ["FeatureSet"] = "ALL" });
    }

    /// <summary>Creates a member account named <paramref name="name"/> and returns its id.</summary>
    public static async Task<string> CreateAccountAsync(string serviceUrl, string name, AWSCredentials? credentials = null)
    {
        using var answer = await SendAsync(serviceUrl, credentials ?? Root, "CreateAccount", new Dictionary<string, object> { ["AccountName"] = name, ["Email"] = $"{name}@example.com" });
        return answer.RootElement.GetProperty("CreateAccountStatus").GetProperty("AccountId").GetString()!;
    }

    /// <summary>
    /// Credentials in account <paramref name="accountId"/>: the role the management account assumes in a member
    /// account (AWS creates OrganizationAccountAccessRole in accounts made by CreateAccount; moto lets any role be
    /// assumed and answers in that role's account).
    /// </summary>
    public static async Task<AWSCredentials> AssumeInAccountAsync(string serviceUrl, string accountId, AWSCredentials? credentials = null)
    {
        using var sts = new AmazonSecurityTokenServiceClient(credentials ?? Root, new AmazonSecurityTokenServiceConfig { ServiceURL = serviceUrl, AuthenticationRegion = "us-east-1" });
        var assumed = await sts.AssumeRoleAsync(new AssumeRoleRequest { RoleArn = $"arn:aws:iam::{accountId}:role/OrganizationAccountAccessRole", RoleSessionName = "digiusher-setup" });
        return new SessionAWSCredentials(assumed.Credentials.AccessKeyId, assumed.Credentials.SecretAccessKey, assumed.Credentials.SessionToken);
    }

    /// <summary>An IAM user allowed every action in account <paramref name="accountId"/>, and its access key (what a member account gives DigiUsher).</summary>
    public static async Task<(string AccessKeyId, string SecretAccessKey)> MemberKeysAsync(string serviceUrl, string accountId, string userName, AWSCredentials? credentials = null)
    {
        var inAccount = await AssumeInAccountAsync(serviceUrl, accountId, credentials);
        using var factory = new AwsSignedHttpClientFactory();
        using var iam = factory.CreateClient(inAccount, "us-east-1", "iam", new Uri(serviceUrl.TrimEnd('/') + "/"));
        await IamAsync(iam, ("Action", "CreateUser"), ("UserName", userName));
        await IamAsync(iam, ("Action", "PutUserPolicy"), ("UserName", userName), ("PolicyName", "digiusher"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"""));
        var key = await IamAsync(iam, ("Action", "CreateAccessKey"), ("UserName", userName));
        XNamespace ns = "https://iam.amazonaws.com/doc/2010-05-08/";
        var accessKey = key.Descendants(ns + "AccessKey").Single();
        return (accessKey.Element(ns + "AccessKeyId")!.Value, accessKey.Element(ns + "SecretAccessKey")!.Value);
    }

    /// <summary>
    /// A role named <paramref name="roleName"/> in member account <paramref name="accountId"/> trusting the management
    /// account and allowed every action (what a StackSet deploys for DigiUsher's member account role).
    /// </summary>
    public static async Task CreateMemberRoleAsync(string serviceUrl, string accountId, string roleName)
    {
        var inAccount = await AssumeInAccountAsync(serviceUrl, accountId);
        using var factory = new AwsSignedHttpClientFactory();
        using var iam = factory.CreateClient(inAccount, "us-east-1", "iam", new Uri(serviceUrl.TrimEnd('/') + "/"));
        await IamAsync(iam, ("Action", "CreateRole"), ("RoleName", roleName),
            ("AssumeRolePolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"""));
        await IamAsync(iam, ("Action", "PutRolePolicy"), ("RoleName", roleName), ("PolicyName", "digiusher"),
            ("PolicyDocument", """{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"""));
    }

    /// <summary>
    /// An IAM user of the management account allowed every action except assuming <paramref name="roleName"/> in
    /// <paramref name="refusingAccounts"/> (once moto enforces policies), and its access key.
    /// </summary>
    public static async Task<(string AccessKeyId, string SecretAccessKey)> PayerKeysAsync(string serviceUrl, string userName, string roleName, params string[] refusingAccounts)
    {
        using var factory = new AwsSignedHttpClientFactory();
        using var iam = factory.CreateClient(Root, "us-east-1", "iam", new Uri(serviceUrl.TrimEnd('/') + "/"));
        await IamAsync(iam, ("Action", "CreateUser"), ("UserName", userName));
        var denied = string.Join(",", refusingAccounts.Select(a => $"\"arn:aws:iam::{a}:role/{roleName}\""));
        var deny = refusingAccounts.Length == 0 ? string.Empty : $$""",{"Effect":"Deny","Action":"sts:AssumeRole","Resource":[{{denied}}]}""";
        await IamAsync(iam, ("Action", "PutUserPolicy"), ("UserName", userName), ("PolicyName", "digiusher"),
            ("PolicyDocument", $$"""{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}{{deny}}]}"""));
        var key = await IamAsync(iam, ("Action", "CreateAccessKey"), ("UserName", userName));
        XNamespace ns = "https://iam.amazonaws.com/doc/2010-05-08/";
        var accessKey = key.Descendants(ns + "AccessKey").Single();
        return (accessKey.Element(ns + "AccessKeyId")!.Value, accessKey.Element(ns + "SecretAccessKey")!.Value);
    }

    /// <summary>From now on moto checks every request's signature and IAM policies (moto's reset-auth API).</summary>
    public static async Task EnforceAuthAsync(string serviceUrl)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(serviceUrl.TrimEnd('/') + "/moto-api/reset-auth", new StringContent("0"));
        response.EnsureSuccessStatusCode();
    }

    private static async Task<XDocument> IamAsync(HttpClient iam, params (string Key, string Value)[] fields)
    {
        using var body = new FormUrlEncodedContent(fields.Append(("Version", "2010-05-08")).Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2)));
        using var response = await iam.PostAsync(string.Empty, body);
        var text = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? XDocument.Parse(text) : throw new InvalidOperationException($"IAM {fields[0].Value} failed: {text}");
    }

    private static async Task<JsonDocument> SendAsync(string serviceUrl, AWSCredentials credentials, string action, Dictionary<string, object> body)
    {
        using var factory = new AwsSignedHttpClientFactory();
        using var http = factory.CreateClient(credentials, "us-east-1", "organizations", new Uri(serviceUrl.TrimEnd('/') + "/"));
        return await AwsJsonProtocol.SendAsync(http, "AWSOrganizationsV20161128." + action, body, 1, TimeSpan.Zero, CancellationToken.None);
    }
}
