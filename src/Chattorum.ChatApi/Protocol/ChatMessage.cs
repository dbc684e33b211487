namespace Chattorum.ChatApi.Protocol;

/// <summary>A message accepted into a room: its id gives the room's order.</summary>
public sealed record ChatMessage(string Room, string Id, string User, string Text, long Timestamp);
