using System.Security.Cryptography;
using System.Text;

namespace DigiUsher.CurPoller;

/// <summary>
/// Name-based UUIDs (RFC 9562 version 5, SHA-1): the same idempotency key always gives the same
/// message id, so a repeated publish of one fact is dropped by the outbox and by consumers.
/// </summary>
public static class DeterministicGuid
{
    private static readonly Guid Namespace = new("6f1f8e0e-3c1b-4f55-9a53-2f4c9f1f6a01");

    public static Guid Create(string name)
    {
        var namespaceBytes = Namespace.ToByteArray(bigEndian: true);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var input = new byte[namespaceBytes.Length + nameBytes.Length];
        namespaceBytes.CopyTo(input, 0);
        nameBytes.CopyTo(input, namespaceBytes.Length);
#pragma warning disable CA5350 // SHA-1 is what RFC 9562 prescribes for version 5; it is an identifier, not a security boundary.
        var hash = SHA1.HashData(input);
#pragma warning restore CA5350
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
