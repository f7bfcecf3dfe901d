using System.Globalization;
using System.Xml.Linq;
using Amazon.Runtime;
using static DigiUsher.Aws.IdentityManagement.AwsQueryProtocol;

namespace DigiUsher.Aws.IdentityManagement;

/// <summary>
/// IAM over the Query protocol (https://docs.aws.amazon.com/IAM/latest/APIReference/CommonParameters.html):
/// <c>POST</c> form to the global endpoint, signed for <c>us-east-1</c> and service <c>iam</c>.
/// </summary>
public sealed class IdentityManagementClient(AwsQueryProtocol protocol, AwsClientFactory factory) : IIdentityManagementClient
{
    private const string Version = "2010-05-08";

    // IAM is a global service whose SigV4 scope is always us-east-1:
    // https://docs.aws.amazon.com/general/latest/gr/iam-service.html
    private const string SigningRegion = "us-east-1";

    public async Task<ListUsersResponse> ListUsersAsync(AWSCredentials credentials, ListUsersRequest request, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>>();
        AddOptional(parameters, "Marker", request.Marker);
        AddOptional(parameters, "MaxItems", request.MaxItems?.ToString(CultureInfo.InvariantCulture));
        AddOptional(parameters, "PathPrefix", request.PathPrefix);
        var result = await SendAsync(credentials, "ListUsers", parameters, cancellationToken);
        var users = Members(Child(result, "Users")).Select(m => new IamUser(
            Text(m, "UserName") ?? string.Empty,
            Text(m, "UserId") ?? string.Empty,
            Text(m, "Arn") ?? string.Empty,
            Text(m, "Path") ?? "/",
            Date(m, "CreateDate"),
            Date(m, "PasswordLastUsed"))).ToList();
        return new ListUsersResponse(users, IsTruncated(result), Text(result, "Marker"));
    }

    public async Task<ListAccessKeysResponse> ListAccessKeysAsync(AWSCredentials credentials, ListAccessKeysRequest request, CancellationToken cancellationToken)
    {
        var parameters = new List<KeyValuePair<string, string>> { new("UserName", request.UserName) };
        AddOptional(parameters, "Marker", request.Marker);
        AddOptional(parameters, "MaxItems", request.MaxItems?.ToString(CultureInfo.InvariantCulture));
        var result = await SendAsync(credentials, "ListAccessKeys", parameters, cancellationToken);
        var keys = Members(Child(result, "AccessKeyMetadata")).Select(m => new AccessKeyMetadata(
            Text(m, "UserName") ?? request.UserName,
            Text(m, "AccessKeyId") ?? string.Empty,
            Text(m, "Status") ?? string.Empty,
            Date(m, "CreateDate"))).ToList();
        return new ListAccessKeysResponse(keys, IsTruncated(result), Text(result, "Marker"));
    }

    public async Task<GetAccessKeyLastUsedResponse> GetAccessKeyLastUsedAsync(AWSCredentials credentials, string accessKeyId, CancellationToken cancellationToken)
    {
        var result = await SendAsync(credentials, "GetAccessKeyLastUsed", [new("AccessKeyId", accessKeyId)], cancellationToken);
        var lastUsed = Child(result, "AccessKeyLastUsed");
        return new GetAccessKeyLastUsedResponse(
            Text(result, "UserName"),
            new AccessKeyLastUsed(Date(lastUsed, "LastUsedDate"), Text(lastUsed, "ServiceName"), Text(lastUsed, "Region")));
    }

    public async Task<LoginProfile?> GetLoginProfileAsync(AWSCredentials credentials, string userName, CancellationToken cancellationToken)
    {
        try
        {
            var result = await SendAsync(credentials, "GetLoginProfile", [new("UserName", userName)], cancellationToken);
            var profile = Child(result, "LoginProfile");
            return new LoginProfile(
                Text(profile, "UserName") ?? userName,
                Date(profile, "CreateDate"),
                string.Equals(Text(profile, "PasswordResetRequired"), "true", StringComparison.OrdinalIgnoreCase));
        }
        catch (IdentityManagementException ex) when (ex.Failure == IdentityManagementFailure.NoSuchEntity)
        {
            // No console password is answered as 404 NoSuchEntity:
            // https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetLoginProfile.html
            return null;
        }
    }

    private async Task<XElement?> SendAsync(AWSCredentials credentials, string action, IEnumerable<KeyValuePair<string, string>> parameters, CancellationToken cancellationToken)
    {
        try
        {
            var root = await protocol.SendAsync(
                credentials, factory.EndpointFor("iam", SigningRegion), SigningRegion, "iam", action, Version, parameters, cancellationToken);
            return Child(root, action + "Result");
        }
        catch (AwsQueryException ex)
        {
            var failure = ex.Error switch
            {
                { IsInvalidCredentials: true } => IdentityManagementFailure.InvalidCredentials,
                { IsAccessDenied: true } => IdentityManagementFailure.AccessDenied,
                { Code: "NoSuchEntity" } => IdentityManagementFailure.NoSuchEntity,
                { IsTransient: true } => IdentityManagementFailure.Unavailable,
                _ => IdentityManagementFailure.Failed,
            };
            throw new IdentityManagementException(failure, "iam:" + action, ex.Error.Code, $"iam:{action}: {ex.Error.Code} {ex.Error.Message}".TrimEnd(), ex);
        }
    }

    private static bool IsTruncated(XElement? result) =>
        string.Equals(Text(result, "IsTruncated"), "true", StringComparison.OrdinalIgnoreCase);

    private static void AddOptional(List<KeyValuePair<string, string>> parameters, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            parameters.Add(new(name, value));
        }
    }
}
