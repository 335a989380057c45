/** Apps: the tenants of a server, their credentials, switches and limits. */
package dev.beacon.core.app;
