using DigiUsher.Client.DataSource;

namespace DigiUsher.Console.Connections;

/// <summary>What a validation result means for the person connecting, and what to do about it.</summary>
public static class ConnectionAdvice
{
    /// <summary>The line shown for one permission: what was checked, and for a denied one which policy to add it to.</summary>
    public static string For(PermissionCheck check) => check.Status switch
    {
        PermissionStatus.Ok => $"{check.Action}: allowed on {check.Resource}.",
        PermissionStatus.Denied when check.Feature is "billing" =>
            $"{check.Action} is missing on {check.Resource}. DigiUsher cannot read your Cost and Usage Reports without it: add it to the read-only policy below (it is already in it), attach that policy to the user or role, then connect again.",
        PermissionStatus.Denied when check.Feature is "cur-api" =>
            $"{check.Action} is missing. DigiUsher finds your report by scanning the bucket instead; add it from the read-only policy below to let DigiUsher read the report's settings.",
        PermissionStatus.Denied =>
            $"{check.Action} is missing on {check.Resource}. Discovery of {FeatureName(check.Feature)} stays off until you attach the discovery policy below (optional).",
        _ => $"{check.Action}: not checked ({check.Detail ?? "AWS did not answer"}).",
    };

    /// <summary>The headline of a refused connection, from the API's outcome.</summary>
    public static string Refusal(string? outcome, string? error) => outcome switch
    {
        "credentials-rejected" => "AWS rejected these credentials. Check the access key id and the secret access key (copy them again from the IAM console; a key that was deleted or deactivated fails the same way).",
        "bucket-not-found" => "The bucket does not exist, or not in this AWS account. Check its name (the bucket your Cost and Usage Report is delivered to).",
        "external-id-not-required" => "The role's trust policy lets DigiUsher in without the external id: add the sts:ExternalId condition shown in the connection guide.",
        "role-not-assumable" => "DigiUsher could not assume the role. Check the role ARN, and that its trust policy names DigiUsher's account and this external id.",
        "billing-access-denied" => "These credentials cannot read the billing reports. The permissions marked missing below name what to add.",
        "not-a-member" => $"This account cannot be linked under the chosen root: {error ?? "it is not a member account of the root's AWS Organization."} Link a member account of that organization (the payer itself is the root data source).",
        "another-account" => $"{error ?? "The new credentials belong to another AWS account."} A linked data source stays in its account; connect the other account as a data source of its own.",
        _ => error ?? "The connection was refused.",
    };

    public static string FeatureName(string feature) => feature switch
    {
        "ec2" => "EC2 instances, volumes, snapshots and Elastic IPs",
        "s3" => "S3 buckets and their exposure",
        "iam" => "IAM users and access keys",
        "cloudwatch" => "CPU use (CloudWatch)",
        _ => feature,
    };
}
