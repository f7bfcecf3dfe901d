using System.Security.Cryptography;
using System.Text;

namespace DigiUsher.CurParser.Importing;

/// <summary>Deterministic outbox message ids: the same fact always gets the same id, so it is published once.</summary>
public static class MessageIds
{
    public static Guid For(string kind, string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"curparser:{kind}:{key}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
