/** JSON configuration shared by all wire codecs (RFC 8259). */
package dev.beacon.protocol.json;
