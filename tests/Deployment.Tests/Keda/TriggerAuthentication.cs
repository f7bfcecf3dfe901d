using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace DigiUsher.Deployment.Tests.Keda;

/// <summary>
/// KEDA v2 <c>TriggerAuthentication</c> (keda.sh/v1alpha1) with the credential sources we may use
/// (https://keda.sh/docs/2.17/concepts/authentication/): pod identity, secrets, config maps and
/// container env. The secret-manager integrations (Vault, Azure Key Vault, AWS/GCP Secret Manager)
/// are left out on purpose, so strict parsing flags them until someone models them here.
/// </summary>
public sealed class V1Alpha1TriggerAuthentication : IKubernetesObject<V1ObjectMeta>
{
    public const string KubeApiVersion = "v1alpha1";
    public const string KubeGroup = "keda.sh";
    public const string KubeKind = "TriggerAuthentication";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{KubeGroup}/{KubeApiVersion}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TriggerAuthenticationSpec Spec { get; set; } = new();
}

public sealed class TriggerAuthenticationSpec
{
    [JsonPropertyName("podIdentity")]
    public AuthPodIdentity? PodIdentity { get; set; }

    [JsonPropertyName("secretTargetRef")]
    public IList<AuthSecretTargetRef>? SecretTargetRef { get; set; }

    [JsonPropertyName("configMapTargetRef")]
    public IList<AuthConfigMapTargetRef>? ConfigMapTargetRef { get; set; }

    [JsonPropertyName("env")]
    public IList<AuthEnvironment>? Env { get; set; }
}

public sealed class AuthPodIdentity
{
    [JsonPropertyName("provider")]
    public string Provider { get; set; } = string.Empty;

    [JsonPropertyName("identityId")]
    public string? IdentityId { get; set; }

    [JsonPropertyName("roleArn")]
    public string? RoleArn { get; set; }

    [JsonPropertyName("identityOwner")]
    public string? IdentityOwner { get; set; }
}

public sealed class AuthSecretTargetRef
{
    [JsonPropertyName("parameter")]
    public string Parameter { get; set; } = string.Empty;

    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("key")]
    public string Key { get; set; } = string.Empty;
}

public sealed class AuthConfigMapTargetRef
{
    [JsonPropertyName("parameter")]
    public string Parameter { get; set; } = string.Empty;

    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("key")]
    public string Key { get; set; } = string.Empty;
}

public sealed class AuthEnvironment
{
    [JsonPropertyName("parameter")]
    public string Parameter { get; set; } = string.Empty;

    [JsonPropertyName("name")]
    public string Name { get; set; } = string.Empty;

    [JsonPropertyName("containerName")]
    public string? ContainerName { get; set; }
}
